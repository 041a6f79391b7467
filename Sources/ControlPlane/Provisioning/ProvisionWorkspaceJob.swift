import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// The `provision_workspace` job: a workspace whose row exists (created by `POST /workspaces` or
/// staff provisioning) gets its schema, its tables and its owner, then opens. Each step is
/// idempotent, so a resumed job ends where an uninterrupted one would.
struct ProvisionWorkspaceJob: JobDefinition {
    static let kind = "provision_workspace"
    let client: PostgresClient
    let migrator: any TenantMigrating
    let members: WorkspaceMembers

    struct Payload: Codable, Sendable {
        let workspaceID: UUID
        let ownerUserID: UUID
        enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id", ownerUserID = "owner_user_id" }
    }

    struct Result: Codable, Sendable {
        let workspaceID: UUID
        let workspaceName: String
        enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id", workspaceName = "workspace_name" }
    }

    func run(_ payload: Payload, _ job: JobRun) async throws -> Result {
        let logger = job.logger
        let steps: [Provisioner.Step] = [.creatingSchema, .runningMigrations, .seeding]
        for step in steps {
            try await job.report(step.progress, step: step.rawValue, message: step.message)
            switch step {
            case .creatingSchema: try await migrator.createTenantSchema(workspaceID: payload.workspaceID, logger: logger)
            case .runningMigrations: try await migrator.migrateTenant(workspaceID: payload.workspaceID, logger: logger)
            default:
                try await members.add(userID: payload.ownerUserID, to: payload.workspaceID, role: .owner, logger: logger)
                try await PermissionCatalog.seed(on: try await members.tenantDatabase(payload.workspaceID, logger: logger), logger: logger)
            }
        }
        let name = try await client.value(String.self, """
            UPDATE control.workspaces SET status = CASE WHEN status = 'provisioning' THEN 'active' ELSE status END, updated_at = now()
            WHERE id = \(payload.workspaceID) RETURNING name
            """, logger: logger)
        guard let name else { throw PermanentJobFailure(code: "workspace_not_found", message: "The workspace no longer exists.") }
        return Result(workspaceID: payload.workspaceID, workspaceName: name)
    }
}
