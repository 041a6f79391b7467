@_spi(TenantProvisioning) import PlatformCore
import Foundation
import Logging
import PostgresNIO

/// Membership lives in both databases: `control.workspace_members` says who may enter a workspace
/// and as what; the tenant's `members` row is the identity tenant rows refer to. Adding writes the
/// tenant row first and records its id in the control row, so a retry finishes a half-done add.
public struct WorkspaceMembers: Sendable {
    let client: PostgresClient
    let tenants: TenantPools

    static let unknownUser = AppError.notFound("user_not_found", "No active user has this id.")
    static let unknownWorkspace = AppError.notFound("workspace_not_found", "No workspace has this id.")

    /// Makes the user an active member with `role` (or changes their role); returns the member id.
    @discardableResult
    public func add(userID: UUID, to workspaceID: UUID, role: Role, logger: Logger) async throws -> UUID {
        let user = try await client.first(Person.self, """
            SELECT email, full_name FROM control.users WHERE id = \(userID)
            """, logger: logger).orNotFound(Self.unknownUser)
        let placement = try await client.value(
            String.self, "SELECT placement FROM control.workspaces WHERE id = \(workspaceID)", logger: logger
        ).orNotFound(Self.unknownWorkspace)
        let db = try tenants.database(workspaceID: workspaceID, placement: placement)
        let memberID = try await db.value(UUID.self, """
            INSERT INTO \(db.table("members")) (user_id, email, full_name, role)
            VALUES (\(userID), \(user.email), \(user.fullName), \(role.rawValue))
            ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, status = 'active', updated_at = now()
            RETURNING id
            """, logger: logger)
        try await client.execute("""
            INSERT INTO control.workspace_members (workspace_id, user_id, role, member_id)
            VALUES (\(workspaceID), \(userID), \(role.rawValue), \(memberID))
            ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role, member_id = EXCLUDED.member_id, status = 'active'
            RETURNING user_id
            """, logger: logger)
        return try memberID.orNotFound(Self.unknownWorkspace)
    }

    static let lastOwner = AppError.conflict("last_owner", "A workspace keeps at least one owner; make someone else owner first.")
    static let higherRole = AppError.forbidden("insufficient_role", "You can only manage people whose role is the same as or lower than yours.")
    static let notMember = AppError.notFound("member_not_found", "This user is not a member of the workspace.")

    /// Changes a member's role. The actor must hold the same or a higher role than both the
    /// member's current and new roles; the last owner cannot be demoted. Control first (it decides
    /// access), then the tenant's copy.
    public func changeRole(of userID: UUID, in workspaceID: UUID, to role: Role, actorRole: Role, logger: Logger) async throws -> Role {
        let previous = try await client.transaction(logger: logger) { connection -> Role in
            let owners = try await connection.all(Holder.self, """
                SELECT user_id, role FROM control.workspace_members
                WHERE workspace_id = \(workspaceID) AND (role = 'owner' OR user_id = \(userID)) AND status = 'active'
                FOR UPDATE
                """, logger: logger)
            guard let current = owners.first(where: { $0.userID == userID })?.role else { throw Self.notMember }
            guard actorRole >= current, actorRole >= role else { throw Self.higherRole }
            if current == .owner, role != .owner, owners.filter({ $0.role == .owner }).count <= 1 { throw Self.lastOwner }
            try await connection.execute("""
                UPDATE control.workspace_members SET role = \(role.rawValue) WHERE workspace_id = \(workspaceID) AND user_id = \(userID)
                """, logger: logger)
            return current
        }
        let db = try await tenantDatabase(workspaceID, logger: logger)
        try await db.execute("""
            UPDATE \(db.table("members")) SET role = \(role.rawValue), updated_at = now() WHERE user_id = \(userID)
            """, logger: logger)
        return previous
    }

    func tenantDatabase(_ workspaceID: UUID, logger: Logger) async throws -> TenantDatabase {
        let placement = try await client.value(
            String.self, "SELECT placement FROM control.workspaces WHERE id = \(workspaceID)", logger: logger
        ).orNotFound(Self.unknownWorkspace)
        return try tenants.database(workspaceID: workspaceID, placement: placement)
    }

    private struct Holder: Row {
        let userID: UUID
        let role: Role
        init(row: RowReader) throws {
            userID = try row("user_id")
            role = try row("role")
        }
    }

    private struct Person: Row {
        let email: String
        let fullName: String
        init(row: RowReader) throws {
            email = try row("email")
            fullName = try row("full_name")
        }
    }
}
