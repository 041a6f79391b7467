import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// "May this principal act in this workspace, and as what?" in one control-schema query: the
/// workspace's state, the caller's role and tenant member id (a key acts as its creator's member).
/// An unknown workspace and one the caller is not a member of both answer nil. Answers are kept
/// in an `AccessCache`, emptied by every change to workspaces and members.
struct WorkspaceResolver: WorkspaceResolving {
    let client: PostgresClient
    let cache: AccessCache<Asker, WorkspaceMembership>

    init(client: PostgresClient, cacheLifetime: Duration) {
        self.client = client
        cache = AccessCache(lifetime: cacheLifetime)
    }

    /// A person, or a key (which acts as its creator), in a workspace.
    struct Asker: Hashable, Sendable {
        let workspace: UUID
        let user: UUID?
        let key: UUID?
    }

    func membership(workspaceID: UUID, principal: Principal, logger: Logger) async throws -> WorkspaceMembership? {
        switch principal {
        case .user(let userID, _):
            try await cache.value(Asker(workspace: workspaceID, user: userID, key: nil)) {
                try await client.first(UserMembership(workspace: workspaceID, user: userID), logger: logger)?.membership
            }
        case .apiKey(let key):
            try await cache.value(Asker(workspace: workspaceID, user: nil, key: key.id)) {
                try await client.first(KeyMembership(workspace: workspaceID, keyWorkspace: key.workspaceID, creator: key.createdBy), logger: logger)?
                    .membership
            }
        }
    }

    /// Every tenant request asks one of these two, so they are prepared.
    struct UserMembership: PreparedRead {
        typealias Decoded = Row
        static let sql = """
            SELECT w.id, w.status, w.schema_version, w.placement, m.role, m.member_id
            FROM control.workspaces w
            JOIN control.workspace_members m ON m.workspace_id = w.id AND m.user_id = $2 AND m.status = 'active'
            WHERE w.id = $1
            """
        let workspace: UUID
        let user: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(workspace)
            bindings.append(user)
            return bindings
        }
    }

    struct KeyMembership: PreparedRead {
        typealias Decoded = Row
        static let sql = """
            SELECT w.id, w.status, w.schema_version, w.placement, NULL::text AS role, m.member_id
            FROM control.workspaces w
            LEFT JOIN control.workspace_members m ON m.workspace_id = w.id AND m.user_id = $3
            WHERE w.id = $1 AND w.id = $2
            """
        let workspace: UUID
        let keyWorkspace: UUID
        let creator: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(workspace)
            bindings.append(keyWorkspace)
            bindings.append(creator)
            return bindings
        }
    }

    func workspace(_ id: UUID, logger: Logger) async throws -> WorkspaceMembership? {
        try await client.first(Row.self, """
            SELECT id, status, schema_version, placement, NULL::text AS role, NULL::uuid AS member_id FROM control.workspaces WHERE id = \(id)
            """, logger: logger)?.membership
    }

    struct Row: PlatformCore.Row {
        let membership: WorkspaceMembership

        init(row: RowReader) throws {
            membership = WorkspaceMembership(
                workspaceID: try row("id"), status: try row("status"), schemaVersion: try row("schema_version"),
                placement: try row("placement"), role: try row("role", as: String?.self).flatMap(Role.init(rawValue:)),
                memberID: try row("member_id"))
        }
    }
}
