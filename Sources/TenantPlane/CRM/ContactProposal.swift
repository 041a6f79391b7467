import Foundation
import PlatformCore

enum ProposalStatus: String, SchemaEnum { case pending, approved, merged, rejected }
enum ProposalSource: String, SchemaEnum { case manual, ai, agent }

/// A contact someone (usually the model, through `ai/discover`) thinks the workspace should have,
/// waiting for a person to approve it (a new contact), merge it into an existing one, or reject
/// it. A decided proposal stays decided: deciding again is 409 `proposal_already_decided`.
struct ContactProposal: APIModel, TableRow {
    /// A link the new contact should get on approval: from it to `target`.
    struct SuggestedRelationship: Codable, Sendable, Equatable, APIModel {
        var targetType: EntityType
        var targetID: UUID
        var relationshipType: String

        enum CodingKeys: String, CodingKey { case targetType = "target_type", targetID = "target_id", relationshipType = "relationship_type" }

        static let example = SuggestedRelationship(targetType: .record, targetID: Record.example.id, relationshipType: "owns")
    }

    let id: UUID
    let status: ProposalStatus
    /// The contact as proposed.
    let contact: Contact.New
    let triggerEntityType: EntityType?
    let triggerEntityID: UUID?
    /// 0–1.
    let confidence: Double
    let reasoning: String
    let source: ProposalSource
    let suggestedRelationships: [SuggestedRelationship]
    /// The contact it became (approved) or was merged into.
    let contactID: UUID?
    let decidedBy: UUID?
    let decidedAt: Date?
    let rejectionReason: String?
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, status, contact, triggerEntityType = "trigger_entity_type", triggerEntityID = "trigger_entity_id", confidence, reasoning, source
        case suggestedRelationships = "suggested_relationships", contactID = "contact_id", decidedBy = "decided_by", decidedAt = "decided_at"
        case rejectionReason = "rejection_reason", createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "status", "contact_data", "trigger_entity_type", "trigger_entity_id", "confidence", "reasoning", "source", "suggested_relationships",
        "contact_id", "decided_by", "decided_at", "rejection_reason", "created_by", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        status = try row("status")
        contact = try (row("contact_data", as: JSONValue.self)).decoded(as: Contact.New.self)
        triggerEntityType = try (row("trigger_entity_type", as: String?.self)).flatMap(EntityType.init(rawValue:))
        triggerEntityID = try row("trigger_entity_id")
        confidence = try row("confidence")
        reasoning = try row("reasoning")
        source = try row("source")
        suggestedRelationships = try (row("suggested_relationships", as: JSONValue.self)).decoded(as: [SuggestedRelationship].self)
        contactID = try row("contact_id")
        decidedBy = try row("decided_by")
        decidedAt = try row("decided_at")
        rejectionReason = try row("rejection_reason")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    private init(example: Void) {
        id = CRMExamples.proposalID
        status = .pending
        contact = .example
        triggerEntityType = .record
        triggerEntityID = Record.example.id
        confidence = 0.82
        reasoning = "Named as the buyer's agent in the record's notes."
        source = .ai
        suggestedRelationships = [.example]
        contactID = nil
        decidedBy = nil
        decidedAt = nil
        rejectionReason = nil
        createdBy = CRMExamples.memberID
        createdAt = CRMExamples.date
        updatedAt = CRMExamples.date
    }

    static let example = ContactProposal(example: ())

    static func checkSuggestions(_ suggestions: [SuggestedRelationship], _ check: inout Validation) -> [SuggestedRelationship] {
        check.require(suggestions.count <= 50, "suggested_relationships", "must be at most 50")
        return suggestions.map { suggestion in
            var cleaned = suggestion
            cleaned.relationshipType = check.word(suggestion.relationshipType, "suggested_relationships")
            return cleaned
        }
    }

    /// `POST /crm/proposals` ("typically called by AI agents").
    struct New: RequestBody, APIModel {
        var contact: Contact.New
        var triggerEntityType: EntityType?
        var triggerEntityID: UUID?
        /// 0–1; default 0.5.
        var confidence: Double?
        var reasoning: String?
        /// `agent` (default), `ai` or `manual`.
        var source: ProposalSource?
        var suggestedRelationships: [SuggestedRelationship]?

        enum CodingKeys: String, CodingKey {
            case contact, triggerEntityType = "trigger_entity_type", triggerEntityID = "trigger_entity_id", confidence, reasoning, source
            case suggestedRelationships = "suggested_relationships"
        }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.contact = contact.checked(&check, prefix: "contact.")
            check.require((triggerEntityType == nil) == (triggerEntityID == nil), "trigger_entity_id", "comes with trigger_entity_type")
            check.require((0...1).contains(confidence ?? 0.5), "confidence", "must be 0 to 1")
            new.confidence = confidence ?? 0.5
            new.reasoning = check.text(reasoning ?? "", "reasoning", length: 0...5000)
            new.source = source ?? .agent
            new.suggestedRelationships = ContactProposal.checkSuggestions(suggestedRelationships ?? [], &check)
            try check.finish("The proposal is invalid.")
            return new
        }

        static let example = New(
            contact: .example, triggerEntityType: nil, triggerEntityID: nil, confidence: 0.82,
            reasoning: "Named as the buyer's agent in the record's notes.", source: .agent, suggestedRelationships: [])
    }

    /// `POST …/approve`: the proposed contact, with `overrides` applied, becomes a contact; its
    /// suggested relationships are made too unless `create_relationships` is false.
    struct Approval: RequestBody, APIModel {
        var overrides: Contact.Change?
        var createRelationships: Bool?

        enum CodingKeys: String, CodingKey { case overrides, createRelationships = "create_relationships" }

        func validated() throws -> Approval {
            var check = Validation()
            var approval = self
            approval.overrides = overrides?.checked(&check, prefix: "overrides.")
            try check.finish("The approval is invalid.")
            return approval
        }

        static let example = Approval(overrides: Contact.Change(jobTitle: .value("Buyer's agent")), createRelationships: true)
    }

    /// `POST …/merge`: fills the contact's empty fields from the proposal (every field sent in the
    /// proposal with `overwrite`), adds its tags and links.
    struct Merge: RequestBody, APIModel {
        var contactID: UUID
        var overwrite: Bool?
        var createRelationships: Bool?

        enum CodingKeys: String, CodingKey { case contactID = "contact_id", overwrite, createRelationships = "create_relationships" }

        static let example = Merge(contactID: CRMExamples.contactID, overwrite: false, createRelationships: true)
    }

    struct Rejection: RequestBody, APIModel {
        var reason: String?

        func validated() throws -> Rejection {
            var check = Validation()
            let reason = check.optional(reason, "reason", max: 2000)
            try check.finish("The rejection is invalid.")
            return Rejection(reason: reason)
        }

        static let example = Rejection(reason: "Already a client under another name.")
    }
}

/// What deciding a proposal did.
struct ProposalDecision: APIModel {
    let proposal: ContactProposal
    /// The new or merged contact (none when rejected).
    let contact: Contact?
    /// The relationships made from the suggestions.
    let relationships: [CRMRelationship]

    static let example = ProposalDecision(proposal: .example, contact: .example, relationships: [.example])
}

struct ProposalListQuery: QueryParameters {
    let page: Page
    let status: [ProposalStatus]?
    let triggerEntityType: EntityType?
    let triggerEntityID: UUID?
    let minConfidence: Double?

    enum CodingKeys: String, CodingKey {
        case page, status, triggerEntityType = "trigger_entity_type", triggerEntityID = "trigger_entity_id", minConfidence = "min_confidence"
    }
}
