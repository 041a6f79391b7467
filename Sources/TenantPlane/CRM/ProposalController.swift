import Foundation
import PlatformCore

/// `/crm/proposals` and `/crm/insights` (§2.13): contacts waiting for a person's decision, and the
/// things worth acting on.
struct ProposalController {
    static let notFound = ErrorCase(ProposalRepository.notFound)
    static let decided = ErrorCase(ProposalRepository.alreadyDecided)
    static let insightNotFound = ErrorCase(InsightRepository.notFound)

    static let list = Endpoint(
        .get, "/api/v1/crm/proposals", "Discovery proposals, newest first: status, trigger_entity_type, trigger_entity_id, min_confidence, page",
        query: ProposalListQuery.self, returns: ListResponse<ContactProposal>.self)
    static let show = Endpoint(.get, "/api/v1/crm/proposals/{proposal_id}", "A discovery proposal", returns: ContactProposal.self, errors: [notFound])
    static let create = Endpoint(
        .post, "/api/v1/crm/proposals", "Propose a contact (typically an AI agent); its trigger and suggested targets must exist",
        body: ContactProposal.New.self, returns: ContactProposal.self, status: .created,
        errors: [ErrorCase(ProposalRepository.triggerNotFound), ErrorCase(RelationshipRepository.endNotFound)])
    static let approve = Endpoint(
        .post, "/api/v1/crm/proposals/{proposal_id}/approve",
        "Approve: the proposed contact (with overrides) is created, and its suggested relationships unless create_relationships is false",
        body: ContactProposal.Approval.self, returns: ProposalDecision.self,
        errors: [notFound, decided, ErrorCase(RelationshipRepository.endNotFound), ErrorCase(RelationshipRepository.exists)])
    static let merge = Endpoint(
        .post, "/api/v1/crm/proposals/{proposal_id}/merge", "Merge into an existing contact: fills its empty fields (all with overwrite), adds tags and links",
        body: ContactProposal.Merge.self, returns: ProposalDecision.self,
        errors: [notFound, decided, ErrorCase(ContactRepository.notFound), ErrorCase(RelationshipRepository.endNotFound),
                 ErrorCase(RelationshipRepository.exists)])
    static let reject = Endpoint(
        .post, "/api/v1/crm/proposals/{proposal_id}/reject", "Reject a proposal", body: ContactProposal.Rejection.self, returns: ProposalDecision.self,
        errors: [notFound, decided])

    static let insights = Endpoint(
        .get, "/api/v1/crm/insights",
        "Insights, most urgent first (rules: follow-up needed, relationship at risk; AI: opportunities, risks): priority, insight_type, contact_id, include_dismissed, limit",
        query: InsightListQuery.self, returns: ListResponse<CRMInsight>.self)
    static let action = Endpoint(
        .post, "/api/v1/crm/insights/{insight_id}/action", "Mark an insight as actioned (action_taken)", query: InsightActionQuery.self,
        returns: CRMInsight.self, errors: [insightNotFound, ErrorCase(InsightRepository.dismissed)])
    static let dismiss = Endpoint(
        .post, "/api/v1/crm/insights/{insight_id}/dismiss", "Dismiss an insight", returns: CRMInsight.self, errors: [insightNotFound])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, CRMAccess.view) { input, context in try await ProposalRepository(context).list(input.query) }
        routes.tenant(Self.show, CRMAccess.view) { input, context in try await ProposalRepository(context).find(input.id("proposal_id")) }
        routes.tenant(Self.create, CRMAccess.create) { input, context in try await ProposalRepository(context).create(input.body) }
        routes.tenant(Self.approve, CRMAccess.create) { input, context in
            try await ProposalRepository(context).approve(input.id("proposal_id"), input.body)
        }
        routes.tenant(Self.merge, CRMAccess.edit) { input, context in try await ProposalRepository(context).merge(input.id("proposal_id"), input.body) }
        routes.tenant(Self.reject, CRMAccess.edit) { input, context in try await ProposalRepository(context).reject(input.id("proposal_id"), input.body) }

        routes.tenant(Self.insights, CRMAccess.view) { input, context in try await InsightRepository(context).list(input.query) }
        routes.tenant(Self.action, CRMAccess.edit) { input, context in
            let taken = input.query.actionTaken?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (taken ?? "").count <= 2000 else { throw AppError.invalidQuery("action_taken must be at most 2,000 characters.") }
            return try await InsightRepository(context).action(input.id("insight_id"), taken: taken.flatMap { $0.isEmpty ? nil : $0 })
        }
        routes.tenant(Self.dismiss, CRMAccess.edit) { input, context in try await InsightRepository(context).dismiss(input.id("insight_id")) }
    }
}
