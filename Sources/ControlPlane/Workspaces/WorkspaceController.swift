import Foundation
import Hummingbird
import Logging
import PlatformCore
import PostgresNIO

/// `/workspace/health` and `/workspace/migrate`: how a workspace's schema stands, and bringing it up
/// to date as a job whose progress streams like provisioning. These routes work while the schema
/// is behind, which is exactly when the tenant API answers 503.
struct WorkspaceController: Sendable {
    let client: PostgresClient
    let queue: JobQueue
    let migrator: any TenantMigrating
    let jobStreams: JobStreamController

    func addRoutes(to group: RouterGroup<TenantContext>) {
        group.get("workspace/health", use: health)
        group.post("workspace/migrate", use: migrate)
        group.get("workspace/jobs/:job_id", use: job)
        group.get("workspace/jobs/:job_id/stream", use: stream)
    }

    struct Health: ResponseEncodable {
        let workspaceID: UUID
        let status: String
        let schemaVersion: Int
        let latestVersion: Int
        let pending: [String]
        let migrationRequired: Bool
        let lastMigrationError: String?

        enum CodingKeys: String, CodingKey {
            case workspaceID = "workspace_id", status, schemaVersion = "schema_version", latestVersion = "latest_version"
            case pending, migrationRequired = "migration_required", lastMigrationError = "last_migration_error"
        }
    }

    @Sendable func health(_ request: Request, context: TenantContext) async throws -> Health {
        let workspaceID = context.tenant.workspaceID
        let rows = try await client.query(
            "SELECT status, schema_version, last_migration_error FROM control.workspaces WHERE id = \(workspaceID)",
            logger: context.logger)
        guard let row = try await rows.collect().first else { throw WorkspaceResolver.forbidden }
        let (status, version, lastError) = try row.decode((String, Int, String?).self)
        let pending = migrator.pendingTenantFiles(after: version)
        return Health(
            workspaceID: workspaceID, status: status, schemaVersion: version, latestVersion: migrator.latestTenantVersion,
            pending: pending, migrationRequired: !pending.isEmpty, lastMigrationError: lastError)
    }

    /// Starts (or, if one is running, returns) this workspace's migration job.
    @Sendable func migrate(_ request: Request, context: TenantContext) async throws -> EncodedResponse<JobTicket> {
        try context.require(.admin)
        let workspaceID = context.tenant.workspaceID
        let job = try await queue.enqueue(
            kind: MigrateWorkspaceJobHandler.kind, payload: .object(["workspace_id": .string(workspaceID.uuidString)]),
            idempotencyKey: nil, workspaceID: workspaceID, logger: context.logger)
        return .accepted(JobTicket(jobID: job.id, under: "/api/v1/workspace/jobs"))
    }

    @Sendable func job(_ request: Request, context: TenantContext) async throws -> JobSnapshot {
        try await ownJob(context)
    }

    @Sendable func stream(_ request: Request, context: TenantContext) async throws -> Response {
        let job = try await ownJob(context)
        return jobStreams.eventStream(of: job.id, request: request, logger: context.logger)
    }

    /// A job of this workspace; another workspace's job is as absent as a made-up id.
    private func ownJob(_ context: TenantContext) async throws -> JobSnapshot {
        let jobID = try context.parameters.requireUUID("job_id")
        guard let job = try await queue.snapshot(of: jobID, logger: context.logger), job.workspaceID == context.tenant.workspaceID else {
            throw JobStreamController.notFound
        }
        return job
    }
}

/// The `migrate_workspace` job: applies the workspace's pending tenant migrations.
struct MigrateWorkspaceJobHandler: JobHandler {
    static let kind = "migrate_workspace"
    let migrator: any TenantMigrating

    func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
        guard let raw = job.payload.objectValue?["workspace_id"]?.stringValue, let workspaceID = UUID(uuidString: raw) else {
            throw PermanentJobFailure(code: "invalid_payload", message: "The migration job names no workspace.")
        }
        try await progress.report(progress: 10, step: "running_migrations", message: "Applying pending migrations", logger: logger)
        let applied = try await migrator.migrateTenant(workspaceID: workspaceID, logger: logger)
        return .object([
            "applied": .array(applied.map { .string($0) }), "schema_version": .number(Double(migrator.latestTenantVersion)),
        ])
    }
}
