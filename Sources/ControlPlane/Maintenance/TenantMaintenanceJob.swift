import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Runs one `TenantMaintenance` in every workspace whose schema is open (active or suspended).
/// A workspace that fails is logged and counted, and the others still run; the task is idempotent,
/// so a job resumed after a crash simply runs it again.
struct TenantMaintenanceJob: JobHandler {
    let task: any TenantMaintenance
    let client: PostgresClient
    let members: WorkspaceMembers

    struct Result: Codable, Sendable {
        let workspaces: Int
        let changed: Int
        let failed: Int
    }

    private struct WorkspaceID: Row {
        let id: UUID
        init(row: RowReader) throws { id = try row("id") }
    }

    func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
        let workspaces = try await client.all(WorkspaceID.self, """
            SELECT id FROM control.workspaces WHERE status IN ('active', 'suspended') ORDER BY id
            """, logger: logger).map(\.id)
        var changed = 0, failed = 0
        let now = Date()
        for (index, workspace) in workspaces.enumerated() {
            do {
                changed += try await task.run(on: try await members.tenantDatabase(workspace, logger: logger), now: now, logger: logger)
            } catch {
                failed += 1
                logger.warning("maintenance failed in a workspace", metadata: [
                    "kind": "\(task.kind)", "workspace_id": "\(workspace)", "error": "\(String(reflecting: error))",
                ])
            }
            if index % 50 == 49 {
                try await progress.report(
                    progress: min(99, (index + 1) * 100 / workspaces.count), step: "running", message: "\(index + 1) of \(workspaces.count) workspaces",
                    logger: logger)
            }
        }
        return try JSONValue(encoding: Result(workspaces: workspaces.count, changed: changed, failed: failed))
    }
}
