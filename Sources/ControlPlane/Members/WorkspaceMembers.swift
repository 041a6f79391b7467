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

    private struct Person: Row {
        let email: String
        let fullName: String
        init(row: RowReader) throws {
            email = try row("email")
            fullName = try row("full_name")
        }
    }
}
