import Foundation
import Logging
import PlatformCore
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing
@testable import ControlPlane

@Suite struct JobQueueTests {
    let logger = TestDatabase.logger

    /// Fails its first `failures` attempts, then succeeds.
    struct FlakyHandler: JobHandler {
        let failures: Int
        func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
            try await progress.report(progress: 50, step: "working", message: "attempt \(job.attempts)", logger: logger)
            if job.attempts <= failures { throw TestFailure("transient failure \(job.attempts)") }
            return ["attempt": .number(Double(job.attempts))]
        }
    }

    struct RefusingHandler: JobHandler {
        func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
            throw PermanentJobFailure(code: "bad_input", message: "cannot ever work")
        }
    }

    func runUntilDone(_ worker: JobWorker, _ queue: JobQueue, _ jobID: UUID) async throws -> JobSnapshot {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let job = try await queue.claim(workerID: worker.workerID, logger: logger) { await worker.execute(job) }
            if let snapshot = try await queue.snapshot(of: jobID, logger: logger), snapshot.status.isTerminal { return snapshot }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("job did not finish")
    }

    func statuses(_ jobID: UUID, _ client: PostgresClient) async throws -> [String] {
        try await client.query("SELECT status FROM control.job_events WHERE job_id = \(jobID) ORDER BY seq", logger: logger)
            .collect().map { try $0.decode(String.self) }
    }

    @Test func aTransientFailureIsRetriedWithBackoffAndThenCompletes() async throws {
        try await TestDatabase.withDatabase { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let queue = JobQueue(client: client, lease: .seconds(5))
                // A long backoff, so a loaded machine cannot outwait it; the test then moves the clock.
                let worker = JobWorker(queue: queue, hub: NotificationHub(), handlers: ["flaky": FlakyHandler(failures: 1)],
                                       concurrency: 1, pollInterval: .milliseconds(100), retryBase: 30, logger: logger)
                let job = try await queue.enqueue(kind: "flaky", payload: [:], idempotencyKey: nil, logger: logger)
                let claimed = try #require(try await queue.claim(workerID: worker.workerID, logger: logger))
                await worker.execute(claimed)
                // Back in the queue, not due yet: the backoff holds it.
                let waiting = try #require(try await queue.snapshot(of: job.id, logger: logger))
                #expect(waiting.status == .queued)
                #expect(waiting.errorMessage?.contains("transient failure 1") == true)
                #expect(try await queue.claim(workerID: "impatient", logger: logger) == nil)
                // Measured from when the failure was recorded (the same statement set both), not from
                // now: a loaded machine may take a while to get here.
                let delay = try await client.query("SELECT extract(epoch FROM run_at - updated_at)::float8 FROM control.jobs WHERE id = \(job.id)", logger: logger)
                    .collect().first!.decode(Double.self)
                #expect(delay == 60, "the second attempt waits twice the base")
                try await client.query("UPDATE control.jobs SET run_at = now() WHERE id = \(job.id)", logger: logger)

                let done = try await runUntilDone(worker, queue, job.id)
                #expect(done.status == .completed)
                #expect(done.result?["attempt"] == .number(2))
                #expect(try await statuses(job.id, client) == ["QUEUED", "RUNNING", "QUEUED", "RUNNING", "COMPLETED"])
            }
        }
    }

    @Test func aPermanentFailureFailsAtOnceAndAnUnknownKindToo() async throws {
        try await TestDatabase.withDatabase { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let queue = JobQueue(client: client, lease: .seconds(5))
                let worker = JobWorker(queue: queue, hub: NotificationHub(), handlers: ["refuse": RefusingHandler()],
                                       concurrency: 1, pollInterval: .milliseconds(100), logger: logger)
                let refused = try await queue.enqueue(kind: "refuse", payload: [:], idempotencyKey: nil, logger: logger)
                let failed = try await runUntilDone(worker, queue, refused.id)
                #expect(failed.status == .failed)
                #expect(failed.errorCode == "bad_input")
                #expect(try await statuses(refused.id, client) == ["QUEUED", "FAILED"])

                let unknown = try await queue.enqueue(kind: "mystery", payload: [:], idempotencyKey: nil, logger: logger)
                #expect(try await runUntilDone(worker, queue, unknown.id).errorCode == "unknown_job_kind")
            }
        }
    }

    @Test func enqueueIsIdempotentPerKey() async throws {
        try await TestDatabase.withDatabase { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let queue = JobQueue(client: client, lease: .seconds(5))
                let first = try await queue.enqueue(kind: "k", payload: [:], idempotencyKey: "same", logger: logger)
                let second = try await queue.enqueue(kind: "k", payload: [:], idempotencyKey: "same", logger: logger)
                let other = try await queue.enqueue(kind: "k", payload: [:], idempotencyKey: "other", logger: logger)
                #expect(first.created && !second.created && other.created)
                #expect(first.id == second.id)
                #expect(other.id != first.id)
            }
        }
    }
}
