import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Answers "may this principal act in this workspace, and as what?" in one control-schema query.
/// An unknown workspace and one the caller is not a member of answer alike, so existence never leaks.
struct WorkspaceResolver: TenantResolving {
    let client: PostgresClient
    /// The schema version a request needs; 0 for the routes that report on or fix a stale schema.
    let requiredVersion: Int

    func resolve(workspaceID: UUID, principal: Principal, logger: Logger) async throws -> Tenant {
        let rows: PostgresRowSequence
        switch principal {
        case .user(let userID):
            rows = try await client.query("""
                SELECT w.status, w.schema_version, m.role
                FROM control.workspaces w
                JOIN control.workspace_members m ON m.workspace_id = w.id AND m.user_id = \(userID) AND m.status = 'active'
                WHERE w.id = \(workspaceID)
                """, logger: logger)
        case .apiKey(let key):
            guard key.workspaceID == workspaceID else { throw Self.forbidden }
            rows = try await client.query(
                "SELECT status, schema_version, NULL::text FROM control.workspaces WHERE id = \(workspaceID)", logger: logger)
        }
        guard let row = try await rows.collect().first else { throw Self.forbidden }
        let (status, version, role) = try row.decode((String, Int, String?).self)
        switch status {
        case "active": break
        case "provisioning":
            throw AppError.conflict("workspace_not_ready", "The workspace is still being provisioned.")
        case "suspended":
            throw AppError.forbidden("workspace_suspended", "The workspace is suspended.")
        default:
            throw Self.forbidden
        }
        guard version >= requiredVersion else {
            throw AppError.unavailable("migration_required", "The workspace's data is being upgraded; try again shortly.", retryAfter: 30)
        }
        return Tenant(workspaceID: workspaceID, role: role.flatMap(Role.init(rawValue:)))
    }

    static let forbidden = AppError.forbidden("workspace_forbidden", "You do not have access to this workspace.")
}
