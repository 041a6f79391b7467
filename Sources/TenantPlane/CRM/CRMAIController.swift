import Foundation
import PlatformCore

/// `/crm/ai/*` (§2.13): the four questions to the language model. The subject is looked up first
/// (404 before anything else), then the provider: none configured is 503 `provider_not_configured`,
/// a failure 502 `provider_error`, an answer out of format 502 `provider_malformed_output`. Every
/// call is a row in `ai_calls`.
struct CRMAIController {
    let languageModel: (any LanguageModel)?

    static let contactNotFound = ErrorCase(ContactRepository.notFound)
    static let ai = MeteredLanguageModel.errors

    static let analyze = Endpoint(
        .post, "/api/v1/crm/ai/analyze", "AI analysis of a contact: health, communication pattern, sentiment trend, next actions, opportunities and risks (kept as insights)",
        body: AnalyzeRequest.self, returns: ContactAnalysis.self, errors: [contactNotFound] + ai)
    static let discover = Endpoint(
        .post, "/api/v1/crm/ai/discover", "AI discovery of the people an entity names, as pending proposals",
        body: DiscoverRequest.self, returns: Discovery.self, errors: [ErrorCase(RelationshipRepository.entityNotFound)] + ai)
    static let draft = Endpoint(
        .post, "/api/v1/crm/ai/draft-message", "An AI-drafted message to a contact for a purpose", body: DraftRequest.self, returns: DraftedMessage.self,
        errors: [contactNotFound] + ai)
    static let followUps = Endpoint(
        .post, "/api/v1/crm/ai/follow-ups", "AI-prioritised follow-up suggestions over the given contacts, or those longest without contact",
        body: FollowUpsRequest.self, returns: FollowUpSuggestions.self, errors: [contactNotFound] + ai)

    func addRoutes(to routes: RouteTable) {
        let model = languageModel
        routes.tenant(Self.analyze, CRMAccess.ai) { input, context in
            let contact = try await ContactRepository(context).find(input.body.contactID)
            let ai = try Self.configured(model, context)
            let interactions = try await InteractionRepository(context).list(contact: contact.id, Page(limit: 20)).items
            let tasks = try await context.db.all(CRMTask.self, try """
                SELECT \(CRMTask.columns) FROM \(context.db.table("crm_tasks"))
                WHERE contact_id = \(contact.id) AND status NOT IN ('completed', 'cancelled') ORDER BY \(TaskRepository.order) LIMIT 20
                """, logger: context.logger)
            let (analysis, reply) = try await CRMAssistant(ai: ai).analyze(contact, interactions: interactions, openTasks: tasks)
            let insights = try await InsightRepository(context).addFromAnalysis(contact, opportunities: analysis.opportunities ?? [], risks: analysis.risks ?? [])
            return ContactAnalysis(
                contactID: contact.id, health: analysis.health, summary: analysis.summary, communicationPatterns: analysis.communicationPatterns,
                sentimentTrend: analysis.sentimentTrend, recommendedActions: analysis.recommendedActions ?? [], opportunities: analysis.opportunities ?? [],
                risks: analysis.risks ?? [], insights: insights, usage: AIUsage(reply))
        }
        routes.tenant(Self.discover, CRMAccess.ai) { input, context in
            let request = input.body
            let subject = try await Self.describeEntity(request.entityType, request.entityID, context)
            let ai = try Self.configured(model, context)
            let maximum = request.maxResults ?? 5
            let (found, reply) = try await CRMAssistant(ai: ai).discover(subject, context: request.context, maximum: maximum)
            var proposals: [ContactProposal] = []
            var skipped = 0
            let repository = ProposalRepository(context)
            for person in found.contacts {
                guard proposals.count < maximum else { skipped += 1; continue }
                var check = Validation()
                let contact = Contact.New(
                    fullName: person.fullName, email: person.email.flatMap { Contact.isEmail($0) ? $0 : nil }, phone: nil, company: person.company,
                    jobTitle: person.jobTitle, contactType: person.contactType.flatMap { $0.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) == nil ? nil : $0 },
                    status: nil, address: nil, city: nil, state: nil, postalCode: nil, country: nil, tags: nil, notes: nil, customFields: nil,
                    ownerID: nil, scheduleFollowUp: nil
                ).checked(&check, prefix: "")
                let relationshipType = (person.relationshipType ?? "related_to").lowercased().replacingOccurrences(of: " ", with: "_")
                let link = relationshipType.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) == nil ? "related_to" : relationshipType
                guard check.problems.isEmpty else { skipped += 1; continue }
                proposals.append(try await repository.create(ContactProposal.New(
                    contact: contact, triggerEntityType: request.entityType, triggerEntityID: request.entityID,
                    confidence: min(1, max(0, person.confidence ?? 0.5)), reasoning: String((person.reasoning ?? "").prefix(5000)), source: .ai,
                    suggestedRelationships: [.init(targetType: request.entityType, targetID: request.entityID, relationshipType: link)])))
            }
            return Discovery(proposals: proposals, skipped: skipped, usage: AIUsage(reply))
        }
        routes.tenant(Self.draft, CRMAccess.ai) { input, context in
            let contact = try await ContactRepository(context).find(input.body.contactID)
            let ai = try Self.configured(model, context)
            let interactions = try await InteractionRepository(context).list(contact: contact.id, Page(limit: 10)).items
            let (draft, reply) = try await CRMAssistant(ai: ai).draft(input.body, to: contact, interactions: interactions)
            guard !draft.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw AppError(.badGateway, code: MeteredLanguageModel.malformedOutput.code, message: "The AI provider drafted an empty message.")
            }
            return DraftedMessage(contactID: contact.id, channel: input.body.channel ?? .email, subject: draft.subject, body: draft.body, usage: AIUsage(reply))
        }
        routes.tenant(Self.followUps, CRMAccess.ai) { input, context in
            let limit = input.body.limit ?? 10
            let contacts: [Contact]
            if let ids = input.body.contactIDs, !ids.isEmpty {
                let found = try await context.db.all(Contact.self, """
                    SELECT \(Contact.columns) FROM \(context.db.table("crm_contacts")) WHERE id = ANY(\(ids))
                    """, logger: context.logger)
                guard Set(found.map(\.id)) == Set(ids) else { throw ContactRepository.notFound }
                contacts = found
            } else {
                contacts = try await context.db.all(Contact.self, try """
                    SELECT \(Contact.columns) FROM \(context.db.table("crm_contacts")) c WHERE c.status = 'active'
                    ORDER BY \(ContactSort.daysSinceContact.orderBy(.desc)) LIMIT \(limit * 2)
                    """, logger: context.logger)
            }
            let ai = try Self.configured(model, context)
            guard !contacts.isEmpty else { return FollowUpSuggestions(suggestions: [], reviewed: 0, usage: nil) }
            let (answer, reply) = try await CRMAssistant(ai: ai).followUps(contacts, limit: limit)
            let byID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0) })
            var seen = Set<UUID>()
            // Only the contacts asked about, each once: an id the model made up is dropped.
            let suggestions = answer.suggestions.compactMap { item -> FollowUpSuggestions.Suggestion? in
                guard let id = UUID(uuidString: item.contactID), let contact = byID[id], seen.insert(id).inserted else { return nil }
                return .init(contact: contact, priority: item.priority ?? .medium, reason: item.reason, suggestedAction: item.suggestedAction)
            }
            return FollowUpSuggestions(suggestions: Array(suggestions.prefix(limit)), reviewed: contacts.count, usage: AIUsage(reply))
        }
    }

    static func configured(_ model: (any LanguageModel)?, _ context: TenantContext) throws -> MeteredLanguageModel {
        let ai = MeteredLanguageModel(model, context)
        guard ai.isConfigured else { throw MeteredLanguageModel.notConfigured }
        return ai
    }

    /// What the model is told about the entity to discover from; 404 when the caller cannot reach it.
    static func describeEntity(_ type: EntityType, _ id: UUID, _ context: TenantContext) async throws -> String {
        switch type {
        case .contact:
            let end = RelationshipRepository.End(type: .contact, id: id)
            guard try await RelationshipRepository(context).existing([end], on: context.db).contains(end) else { throw RelationshipRepository.entityNotFound }
            return "A contact:\n" + CRMAssistant.describe(try await ContactRepository(context).find(id))
        case .record:
            guard let record = try await RecordRepository(context).accessible([id], on: context.db).first, record.levels.canView else {
                throw RelationshipRepository.entityNotFound
            }
            let data = String(decoding: try JSONWriter.encode(record.record.data), as: UTF8.self)
            return "A record (status \(record.record.status)) with this data:\n\(data.prefix(8000))"
        case .member:
            let end = RelationshipRepository.End(type: .member, id: id)
            guard try await RelationshipRepository(context).existing([end], on: context.db).contains(end) else { throw RelationshipRepository.entityNotFound }
            return "A member of the workspace (id \(id.uuidString.lowercased()))."
        }
    }
}
