import Foundation
import Logging
import PlatformCore

/// A kind of job, typed: what its payload is, what it returns, how it runs. The worker decodes the
/// payload (an unreadable one fails the job at once) and stores the result as the job's `result`.
protocol JobDefinition: Sendable {
    associatedtype Payload: Codable & Sendable
    associatedtype Result: Encodable & Sendable
    static var kind: String { get }
    func run(_ payload: Payload, _ job: JobRun) async throws -> Result
}

/// What a running job can do besides its work: report progress (which also renews its lease).
struct JobRun: Sendable {
    let claimed: ClaimedJob
    let progress: JobProgress
    let logger: Logger

    func report(_ percent: Int, step: String, message: String) async throws {
        try await progress.report(progress: percent, step: step, message: message, logger: logger)
    }
}

/// A definition as the worker sees it: payload in, result out, both JSON.
struct TypedJobHandler<Definition: JobDefinition>: JobHandler {
    let definition: Definition

    func run(_ job: ClaimedJob, progress: JobProgress, logger: Logger) async throws -> JSONValue? {
        let payload: Definition.Payload
        do {
            payload = try job.payload.decoded(as: Definition.Payload.self)
        } catch {
            throw PermanentJobFailure(code: "invalid_payload", message: "The \(Definition.kind) job's payload is unreadable.")
        }
        let result = try await definition.run(payload, JobRun(claimed: job, progress: progress, logger: logger))
        return try JSONValue(encoding: result)
    }
}

extension JobQueue {
    /// Enqueues a typed job (see `enqueue(kind:…)` for idempotency and one-at-a-time per workspace).
    func enqueue<Definition: JobDefinition>(
        _ definition: Definition.Type, _ payload: Definition.Payload, idempotencyKey: String? = nil, workspaceID: UUID? = nil,
        on db: (any Queryable)? = nil, logger: Logger
    ) async throws -> (id: UUID, created: Bool) {
        try await enqueue(
            kind: Definition.kind, payload: try JSONValue(encoding: payload), idempotencyKey: idempotencyKey,
            workspaceID: workspaceID, on: db, logger: logger)
    }
}
