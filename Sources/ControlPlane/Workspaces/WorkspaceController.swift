import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// `/workspace/health` and `/workspace/migrate`: how a workspace's schema stands, and bringing it up
/// to date as a job whose progress streams like provisioning. These are control-plane operations,
/// so they work while the schema is behind, which is exactly when the tenant API answers 503.
struct WorkspaceController: Sendable {
    let client: PostgresClient
    let queue: JobQueue
    let migrator: any TenantMigrating
    let jobs: JobStreamController

    static let health = Endpoint(.get, "/api/v1/workspace/health", "The workspace's schema version and pending migrations", returns: Health.self)
    static let migrate = Endpoint(
        .post, "/api/v1/workspace/migrate", "Start (or join) the job that applies the workspace's pending migrations",
        returns: JobTicket.self, status: .accepted)
    static let job = Endpoint(
        .get, "/api/v1/workspace/jobs/{job_id}", "A workspace job's state", returns: JobSnapshot.self,
        errors: [ErrorCase(JobStreamController.notFound)])
    static let jobStream = Endpoint(
        .get, "/api/v1/workspace/jobs/{job_id}/stream", "A workspace job's progress as Server-Sent Events", query: StreamPosition.self,
        returns: EventStream.self, errors: [ErrorCase(JobStreamController.notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.health, .member) { _, context in try await health(context) }
        routes.workspace(Self.migrate, .admin) { _, context in
            let job = try await queue.enqueue(
                MigrateWorkspaceJob.self, .init(workspaceID: context.workspaceID), workspaceID: context.workspaceID, logger: context.logger)
            return JobTicket(jobID: job.id, status: Self.job, stream: Self.jobStream)
        }
        routes.workspace(Self.job, .member) { input, context in
            try await ownJob(input.id("job_id"), context)
        }
        routes.workspace(Self.jobStream, .member) { input, context in
            let job = try await ownJob(input.id("job_id"), context)
            return jobs.eventStream(of: job.id, input: input, logger: context.logger)
        }
    }

    struct Health: APIModel {
        let workspaceID: UUID
        let status: WorkspaceStatus
        let schemaVersion: Int
        let latestVersion: Int
        let pending: [String]
        let migrationRequired: Bool
        let lastMigrationError: String?

        enum CodingKeys: String, CodingKey {
            case workspaceID = "workspace_id", status, schemaVersion = "schema_version", latestVersion = "latest_version"
            case pending, migrationRequired = "migration_required", lastMigrationError = "last_migration_error"
        }

        static let example = Health(
            workspaceID: JobSnapshot.example.workspaceID!, status: .active, schemaVersion: 1, latestVersion: 2,
            pending: ["0002_idempotency_keys.sql"], migrationRequired: true, lastMigrationError: nil)
    }

    private func health(_ context: WorkspaceContext) async throws -> Health {
        let lastError = try await client.value(
            String?.self, "SELECT last_migration_error FROM control.workspaces WHERE id = \(context.workspaceID)", logger: context.logger) ?? nil
        let version = context.membership.schemaVersion
        let pending = migrator.pendingTenantFiles(after: version)
        return Health(
            workspaceID: context.workspaceID, status: WorkspaceStatus(rawValue: context.membership.status) ?? .active,
            schemaVersion: version, latestVersion: migrator.latestTenantVersion, pending: pending,
            migrationRequired: !pending.isEmpty, lastMigrationError: lastError)
    }

    /// A job of this workspace; another workspace's job is as absent as a made-up id.
    private func ownJob(_ jobID: UUID, _ context: WorkspaceContext) async throws -> JobSnapshot {
        guard let job = try await queue.snapshot(of: jobID, logger: context.logger), job.workspaceID == context.workspaceID else {
            throw JobStreamController.notFound
        }
        return job
    }
}

/// The `migrate_workspace` job: applies the workspace's pending tenant migrations.
struct MigrateWorkspaceJob: JobDefinition {
    static let kind = "migrate_workspace"
    let migrator: any TenantMigrating

    struct Payload: Codable, Sendable {
        let workspaceID: UUID
        enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id" }
    }

    struct Result: Codable, Sendable {
        let applied: [String]
        let schemaVersion: Int
        enum CodingKeys: String, CodingKey { case applied, schemaVersion = "schema_version" }
    }

    func run(_ payload: Payload, _ job: JobRun) async throws -> Result {
        try await job.report(10, step: "running_migrations", message: "Applying pending migrations")
        let applied = try await migrator.migrateTenant(workspaceID: payload.workspaceID, logger: job.logger)
        return Result(applied: applied, schemaVersion: migrator.latestTenantVersion)
    }
}
