import Foundation
import Logging
import PlatformCore
import ServiceLifecycle

/// Runs one kind of job.
protocol JobHandler: Sendable {
    func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue?
}

/// Reports a running job's progress; each report also renews its lease.
struct JobProgress: Sendable {
    let queue: JobQueue
    let job: ClaimedJob

    func report(progress: Int, step: String, message: String, logger: Logger) async throws {
        try await queue.transition(job, to: .progress(progress, step: step, message: message), logger: logger)
    }
}

/// Claims jobs and runs them, `concurrency` at a time. Idle slots sleep until a `jobs` notification
/// or the poll interval; a job whose worker vanished is taken over once its lease expires.
struct JobWorker: Service {
    let queue: JobQueue
    let hub: NotificationHub
    let handlers: [String: any JobHandler]
    let concurrency: Int
    let pollInterval: Duration
    /// The first retry's delay in seconds; each further attempt doubles it (up to a minute).
    let retryBase: Double
    let logger: Logger
    let workerID: String

    init(
        queue: JobQueue, hub: NotificationHub, handlers: [String: any JobHandler], concurrency: Int, pollInterval: Duration,
        retryBase: Double = 0.5, logger: Logger
    ) {
        self.retryBase = retryBase
        self.queue = queue
        self.hub = hub
        self.handlers = handlers
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.logger = logger
        self.workerID = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    func run() async throws {
        try await queue.waitForSchema(logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, concurrency) {
                    group.addTask { await runSlot() }
                }
            }
        } onGracefulShutdown: {
            Task { await hub.postAll() }
        }
    }

    private func runSlot() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let seen = await hub.generation(of: JobQueue.dueKey)
            do {
                if let job = try await queue.claim(workerID: workerID, logger: logger) {
                    await execute(job)
                    continue
                }
            } catch {
                logger.error("could not claim a job", metadata: ["error": "\(String(reflecting: error))"])
            }
            _ = await hub.wait(for: JobQueue.dueKey, after: seen, timeout: pollInterval)
        }
    }

    func execute(_ job: ClaimedJob) async {
        let logger = {
            var logger = self.logger
            logger[metadataKey: "job_id"] = "\(job.id)"
            logger[metadataKey: "job_kind"] = "\(job.kind)"
            return logger
        }()
        do {
            guard let handler = handlers[job.kind] else {
                throw PermanentJobFailure(code: "unknown_job_kind", message: "No worker handles jobs of kind \(job.kind).")
            }
            guard job.attempts <= job.maxAttempts else {
                throw PermanentJobFailure(code: "attempts_exhausted", message: "Gave up after \(job.maxAttempts) attempts.")
            }
            let progress = JobProgress(queue: queue, job: job)
            let result = try await withLeaseRenewal(job, logger: logger) {
                try await handler.run(job, progress: progress, logger: logger)
            }
            try await queue.transition(job, to: .completed(result: result, message: "Done"), logger: logger)
        } catch let failure as PermanentJobFailure {
            try? await queue.transition(job, to: .failed(code: failure.code, message: failure.message), logger: logger)
        } catch is JobLeaseLost {
            logger.warning("another worker took this job over")
        } catch {
            logger.error("job attempt failed", metadata: ["error": "\(String(reflecting: error))", "attempt": "\(job.attempts)"])
            let change: JobChange = job.attempts < job.maxAttempts
                ? .retry(after: min(60, retryBase * Double(1 << min(job.attempts, 7))), error: "\(error)")
                : .failed(code: "job_failed", message: "\(error)")
            try? await queue.transition(job, to: change, logger: logger)
        }
    }

    /// Keeps the lease alive while a long step (a big migration) runs without reporting.
    private func withLeaseRenewal<T: Sendable>(_ job: ClaimedJob, logger: Logger, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
        let interval = queue.lease / 3
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    try await queue.renewLease(job, logger: logger)
                }
                return nil
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let value = try await group.next() {
                if let value { return value }
            }
            throw CancellationError()
        }
    }
}
