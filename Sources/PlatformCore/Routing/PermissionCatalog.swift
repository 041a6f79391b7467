import Foundation
import Logging

/// Every named permission the tenant plane checks (`can_<verb>_<resource>`), grouped by resource,
/// with the roles that hold it unless a workspace changes its matrix. A route names one through
/// `Permission.named`; the route table checks it against the workspace's `role_permissions`
/// (owners always hold everything), so a change takes effect on the next request.
public enum PermissionCatalog {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let resource: String
        public let description: String
        /// The lowest role that holds it by default.
        public let defaultRole: Role
    }

    public static let all: [Entry] = [
        .init(name: "can_view_recordset", resource: "recordset", description: "See recordsets", defaultRole: .viewer),
        .init(name: "can_create_recordset", resource: "recordset", description: "Create recordsets", defaultRole: .member),
        .init(name: "can_edit_recordset", resource: "recordset", description: "Rename and describe recordsets", defaultRole: .member),
        .init(name: "can_delete_recordset", resource: "recordset", description: "Move recordsets to the trash", defaultRole: .admin),
        .init(name: "can_view_record", resource: "record", description: "See records", defaultRole: .viewer),
        .init(name: "can_create_record", resource: "record", description: "Create records", defaultRole: .member),
        .init(name: "can_edit_record", resource: "record", description: "Edit records", defaultRole: .member),
        .init(name: "can_delete_record", resource: "record", description: "Delete records", defaultRole: .member),
        .init(name: "can_view_member", resource: "member", description: "See the workspace's members", defaultRole: .viewer),
        .init(name: "can_invite_member", resource: "member", description: "Add people to the workspace", defaultRole: .admin),
        .init(name: "can_edit_member", resource: "member", description: "Edit other members' profiles and roles", defaultRole: .admin),
        .init(name: "can_remove_member", resource: "member", description: "Remove people and hand over what they own", defaultRole: .admin),
        .init(name: "can_view_team", resource: "team", description: "See teams", defaultRole: .viewer),
        .init(name: "can_create_team", resource: "team", description: "Create teams", defaultRole: .admin),
        .init(name: "can_edit_team", resource: "team", description: "Rename teams and change their members", defaultRole: .admin),
        .init(name: "can_delete_team", resource: "team", description: "Delete teams", defaultRole: .admin),
        .init(name: "can_view_channel", resource: "channel", description: "See channels and read their messages", defaultRole: .viewer),
        .init(name: "can_create_channel", resource: "channel", description: "Create channels", defaultRole: .member),
        .init(name: "can_edit_channel", resource: "channel", description: "Change the channels one administers, their members and grants", defaultRole: .member),
        .init(name: "can_delete_channel", resource: "channel", description: "Delete the channels one administers", defaultRole: .member),
        .init(name: "can_post_message", resource: "channel", description: "Post, edit and delete one's messages, tasks, records and files in channels", defaultRole: .member),
        .init(name: "can_view_contact", resource: "contact",
              description: "See CRM contacts and everything about them: interactions, tasks, relationships, proposals, insights, the dashboard",
              defaultRole: .viewer),
        .init(name: "can_create_contact", resource: "contact", description: "Create contacts (or approve proposed ones) and propose contacts",
              defaultRole: .member),
        .init(name: "can_edit_contact", resource: "contact",
              description: "Edit contacts, log interactions, manage CRM tasks and relationships, act on insights, merge or reject proposals",
              defaultRole: .member),
        .init(name: "can_delete_contact", resource: "contact", description: "Archive contacts or delete them for good", defaultRole: .admin),
        .init(name: "can_use_ai", resource: "ai", description: "Ask the AI provider (CRM analysis, drafts, discovery, follow-ups); every call is metered",
              defaultRole: .member),
        .init(name: "can_view_visibility", resource: "visibility",
              description: "See AI-visibility projects, competitors, queries, the configured providers, runs and their results", defaultRole: .viewer),
        .init(name: "can_manage_visibility", resource: "visibility",
              description: "Create, change and archive AI-visibility projects, their competitors and queries", defaultRole: .member),
        .init(name: "can_run_visibility", resource: "visibility",
              description: "Start and cancel AI-visibility runs (each spends the workspace's credits)", defaultRole: .member),
    ]

    public static let names: Set<String> = Set(all.map(\.name))

    public static func entry(_ name: String) -> Entry? { all.first { $0.name == name } }

    /// Whether `role` holds `name` when the workspace has not said otherwise.
    public static func byDefault(_ name: String, _ role: Role) -> Bool {
        role == .owner || entry(name).map { role >= $0.defaultRole } ?? false
    }

    /// Writes the default matrix for every role and permission the workspace lacks (idempotent);
    /// answers how many rows it added.
    @discardableResult
    public static func seed(on db: TenantDatabase, logger: Logger) async throws -> Int {
        var rows: [(String, String, Bool)] = []
        for role in Role.allCases { for entry in all { rows.append((role.rawValue, entry.name, byDefault(entry.name, role))) } }
        return try await db.execute("""
            INSERT INTO \(db.table("role_permissions")) (role, permission, allowed)
            SELECT * FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1))::text[], \(rows.map(\.2))::bool[])
            ON CONFLICT (role, permission) DO NOTHING
            RETURNING permission
            """, logger: logger)
    }
}
