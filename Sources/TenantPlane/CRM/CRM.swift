import Foundation
import PlatformCore

/// What the CRM's routes need (docs/crm.md, "Who may do what"): the workspace's role matrix for a
/// person, the `crm:read` / `crm:write` scopes for an API key.
enum CRMAccess {
    /// Every read: contacts, interactions, tasks, relationships, proposals, insights, the dashboard.
    static let view = Permission.named("can_view_contact", scope: "crm:read")
    /// Creating contacts (directly or by approving a proposal) and proposing them.
    static let create = Permission.named("can_create_contact", scope: "crm:write")
    /// Every other write: contacts, interactions, tasks, relationships, insights, merges and rejections.
    static let edit = Permission.named("can_edit_contact", scope: "crm:write")
    /// Archiving a contact or deleting it for good.
    static let delete = Permission.named("can_delete_contact", scope: "crm:write")
    /// A call to the language model (it costs money, so a workspace may take it from a role).
    static let ai = Permission.named("can_use_ai", scope: "crm:write")
}

/// What a relationship's end, a proposal's trigger or a discovery's subject can be.
enum EntityType: String, SchemaEnum { case contact, record, member }

/// Task and insight priority, most urgent last in declaration, first in lists.
enum Priority: String, SchemaEnum {
    case low, medium, high, urgent

    /// `ORDER BY` rank: urgent 0 … low 3.
    static let rankSQL: SQLFragment = "array_position(ARRAY['urgent', 'high', 'medium', 'low']::text[], priority)"
}

extension Validation {
    /// Trimmed; empty is nil; at most `max` characters.
    mutating func optional(_ value: String?, _ field: String, max: Int) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        require(trimmed.count <= max, field, "must be at most \(max) characters")
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A lower-case word: letters, digits and `_`, starting with a letter, at most 50.
    mutating func word(_ value: String, _ field: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        require(trimmed.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) != nil, field,
                "must be a lower-case word (letters, digits and _, at most 50)")
        return trimmed
    }
}

/// The id of a row a statement wrote.
struct CRMID: Row {
    let id: UUID
    init(row: RowReader) throws { id = try row("id") }
}

/// A count read by name.
struct CRMCount: Row {
    let count: Int
    init(row: RowReader) throws { count = try row("count") }
}

enum CRMExamples {
    static let contactID = UUID(uuidString: "c0a8e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b")!
    static let taskID = UUID(uuidString: "d1b9f3a5-6c7e-4f80-9bac-1d2e3f4a5b6c")!
    static let interactionID = UUID(uuidString: "e2caa4b6-7d8f-4091-acbd-2e3f4a5b6c7d")!
    static let relationshipID = UUID(uuidString: "f3dbb5c7-8e90-41a2-bdce-3f4a5b6c7d8e")!
    static let proposalID = UUID(uuidString: "a4ecc6d8-9fa1-42b3-8edf-4a5b6c7d8e9f")!
    static let insightID = UUID(uuidString: "b5fdd7e9-a0b2-43c4-9fe0-5b6c7d8e9fa0")!
    static let memberID = Record.example.createdBy!
    static let date = Date(timeIntervalSince1970: 1_767_225_600)
}
