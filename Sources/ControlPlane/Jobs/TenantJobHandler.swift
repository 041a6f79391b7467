import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Runs a tenant plane's `TenantJob` in the workspace its payload names (`workspace_id`).
struct TenantJobHandler: JobHandler {
    let job: any TenantJob
    let members: WorkspaceMembers
    let ledger: any CreditLedger

    func run(_ claimed: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
        guard let raw = claimed.payload["workspace_id"]?.stringValue, let workspace = UUID(uuidString: raw) else {
            throw PermanentJobFailure(code: "invalid_payload", message: "The \(job.kind) job names no workspace.")
        }
        let context = TenantJobContext(
            jobID: claimed.id, workspaceID: workspace, db: try await members.tenantDatabase(workspace, logger: logger), ledger: ledger,
            logger: logger, reporter: { percent, step, message in
                try await progress.report(progress: percent, step: step, message: message, logger: logger)
            })
        return try await job.run(claimed.payload, context)
    }
}

extension JobQueue: TenantJobQueue {
    func schedule(id: UUID, kind: String, workspace: UUID, payload: JSONValue, delay: Duration, logger: Logger) async throws {
        guard case .object(var fields) = payload else { preconditionFailure("a tenant job's payload is an object") }
        fields["workspace_id"] = .string(workspace.uuidString.lowercased())
        // Not `workspace_id`: that column allows one active job of a kind per workspace.
        try await client.execute("""
            WITH inserted AS (
                INSERT INTO control.jobs (id, kind, payload, idempotency_key, run_at, event_seq)
                VALUES (\(id), \(kind), \(JSONValue.object(fields)), \(kind + ":" + id.uuidString.lowercased()),
                        now() + make_interval(secs => \(delay.inSeconds)), 1)
                ON CONFLICT DO NOTHING RETURNING id)
            INSERT INTO control.job_events (job_id, seq, status, progress, current_step, message)
            SELECT id, 1, 'QUEUED', 0, 'queued', 'Waiting for a worker' FROM inserted RETURNING job_id
            """, logger: logger)
    }

    func release(id: UUID, logger: Logger) async throws {
        // Naming `status` wakes the workers (the `jobs` trigger fires on it).
        try await client.execute("""
            UPDATE control.jobs SET run_at = now(), status = 'QUEUED', updated_at = now() WHERE id = \(id) AND status = 'QUEUED' RETURNING id
            """, logger: logger)
    }
}
