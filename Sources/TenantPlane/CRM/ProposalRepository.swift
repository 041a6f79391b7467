import Foundation
import Logging
import PlatformCore

/// Discovery proposals. Deciding one (approve, merge, reject) locks it first, so it is decided
/// exactly once: a second decision, even a concurrent one, is 409 `proposal_already_decided`.
struct ProposalRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("proposal_not_found", "No proposal with this id in this workspace.")
    static let alreadyDecided = AppError.conflict("proposal_already_decided", "This proposal has been decided already.")
    static let triggerNotFound = AppError.notFound("trigger_entity_not_found", "The trigger entity does not exist in this workspace.")

    func list(_ query: ProposalListQuery) async throws -> ListResponse<ContactProposal> {
        var conditions: [SQLFragment] = []
        if let statuses = query.status, !statuses.isEmpty { conditions.append("status = ANY(\(statuses.map(\.rawValue)))") }
        if let type = query.triggerEntityType { conditions.append("trigger_entity_type = \(type.rawValue)") }
        if let id = query.triggerEntityID { conditions.append("trigger_entity_id = \(id)") }
        if let minimum = query.minConfidence { conditions.append("confidence >= \(minimum)") }
        let from: SQLFragment = "FROM \(db.table("crm_proposals")) WHERE \(SQLFragment(joining: conditions, separator: "AND", empty: "true"))"
        return try await db.list(ContactProposal.self, from, orderBy: "created_at DESC, id DESC", page: query.page, logger: logger)
    }

    func find(_ id: UUID, on db: some TenantQueryable, forUpdate: Bool = false) async throws -> ContactProposal {
        let lock: SQLFragment = forUpdate ? "FOR UPDATE" : ""
        return try await db.first(ContactProposal.self, try "SELECT \(ContactProposal.columns) FROM \(db.table("crm_proposals")) WHERE id = \(id) \(lock)",
                                  logger: logger).orNotFound(Self.notFound)
    }

    func find(_ id: UUID) async throws -> ContactProposal { try await find(id, on: db) }

    /// A proposal; its trigger and its suggested targets must exist (404 otherwise).
    func create(_ new: ContactProposal.New, on db: some TenantQueryable) async throws -> ContactProposal {
        let relationships = RelationshipRepository(context)
        if let type = new.triggerEntityType, let id = new.triggerEntityID {
            let end = RelationshipRepository.End(type: type, id: id)
            guard try await relationships.existing([end], on: db).contains(end) else { throw Self.triggerNotFound }
        }
        let targets = (new.suggestedRelationships ?? []).map { RelationshipRepository.End(type: $0.targetType, id: $0.targetID) }
        let found = try await relationships.existing(targets, on: db)
        guard targets.allSatisfy(found.contains) else { throw RelationshipRepository.endNotFound }
        return try await db.first(ContactProposal.self, """
            INSERT INTO \(db.table("crm_proposals"))
                (contact_data, trigger_entity_type, trigger_entity_id, confidence, reasoning, source, suggested_relationships, created_by)
            VALUES (\(try JSONValue(encoding: new.contact)), \(new.triggerEntityType?.rawValue), \(new.triggerEntityID), \(new.confidence ?? 0.5),
                    \(new.reasoning ?? ""), \((new.source ?? .agent).rawValue), \(try JSONValue(encoding: new.suggestedRelationships ?? [])), \(context.memberID))
            RETURNING \(ContactProposal.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func create(_ new: ContactProposal.New) async throws -> ContactProposal { try await create(new, on: db) }

    private func decide(_ id: UUID, _ body: @Sendable (ContactProposal, TenantTransaction) async throws -> ProposalDecision) async throws -> ProposalDecision {
        try await db.transaction(logger: logger) { transaction in
            let proposal = try await find(id, on: transaction, forUpdate: true)
            guard proposal.status == .pending else { throw Self.alreadyDecided }
            return try await body(proposal, transaction)
        }
    }

    private func mark(_ id: UUID, _ status: ProposalStatus, contact: UUID?, reason: String?, on transaction: TenantTransaction) async throws -> ContactProposal {
        try await transaction.first(ContactProposal.self, """
            UPDATE \(transaction.table("crm_proposals"))
            SET status = \(status.rawValue), contact_id = \(contact), rejection_reason = \(reason), decided_by = \(context.memberID), decided_at = now(),
                updated_at = now()
            WHERE id = \(id) RETURNING \(ContactProposal.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    private func link(_ contact: UUID, _ suggestions: [ContactProposal.SuggestedRelationship], on transaction: TenantTransaction) async throws -> [CRMRelationship] {
        let news = suggestions.map {
            CRMRelationship.New(sourceType: .contact, sourceID: contact, targetType: $0.targetType, targetID: $0.targetID,
                                relationshipType: $0.relationshipType, strength: nil, notes: "From a discovery proposal", metadata: nil)
        }
        guard !news.isEmpty else { return [] }
        return try await RelationshipRepository(context).create(news, on: transaction, indexed: true)
    }

    /// The proposed contact, with the overrides, becomes a contact (scored by the formula, with its
    /// first follow-up task); the suggested links are made unless asked not to. All or nothing.
    func approve(_ id: UUID, _ approval: ContactProposal.Approval) async throws -> ProposalDecision {
        try await decide(id) { proposal, transaction in
            let contacts = ContactRepository(context)
            var contact = try await contacts.create(proposal.contact, assessment: nil, source: "proposal", on: transaction)
            if let overrides = approval.overrides {
                contact = try await contacts.update(contact.id, overrides, on: transaction)
            }
            let links = approval.createRelationships ?? true ? try await link(contact.id, proposal.suggestedRelationships, on: transaction) : []
            let decided = try await mark(id, .approved, contact: contact.id, reason: nil, on: transaction)
            return ProposalDecision(proposal: decided, contact: contact, relationships: links)
        }
    }

    /// Fills the contact's empty fields from the proposal (or every field the proposal has, with
    /// `overwrite`), adds its tags, and makes the suggested links unless asked not to.
    func merge(_ id: UUID, _ merge: ContactProposal.Merge) async throws -> ProposalDecision {
        // The contact is looked for first, so a wrong id is a 404 whatever the proposal's state.
        _ = try await ContactRepository(context).find(merge.contactID)
        return try await decide(id) { proposal, transaction in
            let contacts = ContactRepository(context)
            let existing = try await contacts.find(merge.contactID, on: transaction, forUpdate: true)
            let proposed = proposal.contact
            let overwrite = merge.overwrite ?? false
            func fill(_ current: String?, _ offered: String?) -> Patch<String> {
                guard let offered, overwrite || current == nil else { return .absent }
                return .value(offered)
            }
            var change = Contact.Change(
                email: fill(existing.email, proposed.email), phone: fill(existing.phone, proposed.phone), company: fill(existing.company, proposed.company),
                jobTitle: fill(existing.jobTitle, proposed.jobTitle), address: fill(existing.address, proposed.address),
                city: fill(existing.city, proposed.city), state: fill(existing.state, proposed.state),
                postalCode: fill(existing.postalCode, proposed.postalCode), country: fill(existing.country, proposed.country))
            if overwrite { change.fullName = .value(proposed.fullName) }
            let tags = existing.tags + (proposed.tags ?? []).filter { !existing.tags.contains($0) }
            if tags != existing.tags { change.tags = .value(Array(tags.prefix(100))) }
            if let notes = proposed.notes, !notes.isEmpty, !existing.notes.contains(notes) {
                change.notes = .value(String((existing.notes.isEmpty ? notes : existing.notes + "\n\n" + notes).prefix(10_000)))
            }
            let contact = try await contacts.update(existing.id, change, on: transaction)
            let links = merge.createRelationships ?? true ? try await link(contact.id, proposal.suggestedRelationships, on: transaction) : []
            let decided = try await mark(id, .merged, contact: contact.id, reason: nil, on: transaction)
            return ProposalDecision(proposal: decided, contact: contact, relationships: links)
        }
    }

    func reject(_ id: UUID, _ rejection: ContactProposal.Rejection) async throws -> ProposalDecision {
        try await decide(id) { _, transaction in
            ProposalDecision(proposal: try await mark(id, .rejected, contact: nil, reason: rejection.reason, on: transaction), contact: nil, relationships: [])
        }
    }
}
