import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// The jobs table: idempotent enqueue, SKIP LOCKED claims with a lease, and every state change
/// written as a job event in the same statement.
struct JobQueue: Sendable {
    let client: PostgresClient
    let lease: Duration

    /// The NOTIFY payload the `job_events` trigger sends: `job:` and the id as PostgreSQL prints it.
    static func notificationKey(for jobID: UUID) -> String { "job:" + jobID.uuidString.lowercased() }

    /// The payload the `jobs` trigger sends when a job becomes due.
    static let dueKey = "jobs"


    /// Enqueues a job, or returns the existing one for the same idempotency key, or the active job of
    /// the same kind for the same workspace (a workspace runs one job of a kind at a time).
    func enqueue(
        id: UUID = UUID(), kind: String, payload: JSONValue, idempotencyKey: String?, workspaceID: UUID? = nil,
        on db: (any Queryable)? = nil, logger: Logger
    ) async throws -> (id: UUID, created: Bool) {
        for _ in 0..<2 {
            let found = try await (db ?? client).first(Enqueued.self, """
                WITH inserted AS (
                    INSERT INTO control.jobs (id, kind, payload, idempotency_key, workspace_id, event_seq)
                    VALUES (\(id), \(kind), \(payload), \(idempotencyKey), \(workspaceID), 1)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                ), event AS (
                    INSERT INTO control.job_events (job_id, seq, status, progress, current_step, message)
                    SELECT id, 1, 'QUEUED', 0, 'queued', 'Waiting for a worker' FROM inserted
                )
                SELECT id, true AS created FROM inserted
                UNION ALL
                SELECT id, false AS created FROM control.jobs
                WHERE NOT EXISTS (SELECT 1 FROM inserted) AND (idempotency_key = \(idempotencyKey)
                    OR (kind = \(kind) AND workspace_id = \(workspaceID) AND status IN ('QUEUED', 'RUNNING')))
                LIMIT 1
                """, logger: logger)
            // A concurrent enqueue with the same key may commit after this statement's snapshot: look again.
            if let found { return (found.id, found.created) }
        }
        throw AppError.conflict("idempotency_conflict", "A request with this Idempotency-Key is still being processed.")
    }

    private struct Enqueued: Row {
        let id: UUID
        let created: Bool
        init(row: RowReader) throws {
            id = try row("id")
            created = try row("created")
        }
    }

    /// Claims the oldest due job, or one whose worker stopped renewing its lease.
    func claim(workerID: String, logger: Logger) async throws -> ClaimedJob? {
        try await client.first(ClaimedJob.self, """
            WITH next AS (
                SELECT id FROM control.jobs
                WHERE (status = 'QUEUED' AND run_at <= now()) OR (status = 'RUNNING' AND lease_expires_at < now())
                ORDER BY run_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            UPDATE control.jobs AS job
            SET status = 'RUNNING', attempts = job.attempts + 1, locked_by = \(workerID),
                lease_expires_at = now() + make_interval(secs => \(lease.inSeconds)), updated_at = now()
            FROM next WHERE job.id = next.id
            RETURNING job.id, job.kind, job.payload, job.attempts, job.max_attempts, \(workerID) AS worker_id
            """, logger: logger)
    }

    /// Moves a job this worker holds to a new state and records the event. Throws `JobLeaseLost`
    /// when another worker has taken the job over.
    func transition(_ job: ClaimedJob, to change: JobChange, logger: Logger) async throws {
        let recorded = try await client.execute("""
            WITH job AS (
                UPDATE control.jobs SET
                    status = \(change.status.rawValue),
                    progress = COALESCE(\(change.progress), progress),
                    current_step = COALESCE(\(change.step), current_step),
                    message = \(change.message),
                    result = COALESCE(\(change.result), result),
                    error_code = \(change.errorCode),
                    error_message = \(change.errorMessage),
                    run_at = now() + make_interval(secs => \(change.retryDelaySeconds ?? 0)),
                    locked_by = CASE WHEN \(change.status.rawValue) = 'RUNNING' THEN locked_by END,
                    lease_expires_at = CASE WHEN \(change.status.rawValue) = 'RUNNING'
                        THEN now() + make_interval(secs => \(lease.inSeconds)) END,
                    completed_at = CASE WHEN \(change.status.isTerminal) THEN now() END,
                    event_seq = event_seq + 1,
                    updated_at = now()
                WHERE id = \(job.id) AND locked_by = \(job.workerID) AND status = 'RUNNING'
                RETURNING id, event_seq, status, progress, current_step, message, error_message
            )
            INSERT INTO control.job_events (job_id, seq, status, progress, current_step, message, error_message)
            SELECT id, event_seq, status, progress, current_step, message, error_message FROM job
            RETURNING seq
            """, logger: logger)
        guard recorded == 1 else { throw JobLeaseLost(jobID: job.id) }
    }

    /// A worker may start before `platform serve` has migrated the control schema.
    /// Returns once the jobs tables exist. A database that cannot be reached yet is waited for
    /// too: a service that threw here would end the whole service group, pools included, and
    /// leave every request in flight waiting for a connection forever.
    func waitForSchema(logger: Logger) async throws {
        while true {
            do {
                if try await client.value(Bool.self, "SELECT to_regclass('control.job_events') IS NOT NULL", logger: logger) == true { return }
            } catch {
                if Task.isCancelled { throw error }
                logger.warning("the jobs schema could not be checked yet", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    func renewLease(_ job: ClaimedJob, logger: Logger) async throws {
        try await client.execute("""
            UPDATE control.jobs SET lease_expires_at = now() + make_interval(secs => \(lease.inSeconds))
            WHERE id = \(job.id) AND locked_by = \(job.workerID) AND status = 'RUNNING'
            """, logger: logger)
    }

    func events(of jobID: UUID, after seq: Int, logger: Logger) async throws -> [JobEvent] {
        try await client.all(JobEvent.self, """
            SELECT seq, status, progress, current_step, message, error_message, created_at
            FROM control.job_events WHERE job_id = \(jobID) AND seq > \(seq) ORDER BY seq
            """, logger: logger)
    }

    /// The job as a client may see it; `result` is withheld once it is older than `resultTTL`.
    func snapshot(of jobID: UUID, resultTTL: Duration = .seconds(15 * 60), logger: Logger) async throws -> JobSnapshot? {
        try await client.first(JobSnapshot.self, """
            SELECT id, kind, workspace_id, status, progress, current_step, message,
                   CASE WHEN completed_at IS NULL OR completed_at > now() - make_interval(secs => \(resultTTL.inSeconds))
                        THEN result END AS result,
                   error_code, error_message, created_at, updated_at
            FROM control.jobs WHERE id = \(jobID)
            """, logger: logger)
    }
}
