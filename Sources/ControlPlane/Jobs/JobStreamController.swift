import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlatformCore
import ServiceLifecycle

/// Job status and its Server-Sent Events stream: replay persisted events after `Last-Event-ID`,
/// then tail new ones as NOTIFY wakes us, with comment heartbeats; the body ends after the
/// terminal event. Any instance can serve any job: everything comes from the database.
struct JobStreamController: Sendable {
    let queue: JobQueue
    let hub: NotificationHub
    let heartbeat: Duration

    /// The job, if it exists and is of `kind`; any other is as absent as a made-up id.
    func snapshot(_ jobID: UUID, kind: String, logger: Logger) async throws -> JobSnapshot {
        guard let job = try await queue.snapshot(of: jobID, logger: logger), job.kind == kind else { throw Self.notFound }
        return job
    }

    /// The `text/event-stream` response for a job the caller has been allowed to see; `reveal`
    /// turns the stored result into what the caller is sent.
    func eventStream(
        of jobID: UUID, input: Input<NoBody, StreamPosition>, logger: Logger,
        reveal: @escaping @Sendable (JSONValue?) -> JSONValue? = { $0 }
    ) -> EventStream {
        let lastEventID = input.query.resumeAfter(input.request) ?? 0
        let body = ResponseBody { writer in
            // On shutdown, wake the stream at once so it ends instead of waiting out a heartbeat.
            try await withGracefulShutdownHandler {
                do {
                    try await pump(jobID, after: lastEventID, into: &writer, logger: logger, reveal: reveal)
                } catch {
                    logger.error("job stream ended by an error", metadata: ["job_id": "\(jobID)", "error": "\(String(reflecting: error))"])
                    throw error
                }
            } onGracefulShutdown: { [hub] in
                Task { await hub.post(JobQueue.notificationKey(for: jobID)) }
            }
            try await writer.finish(nil)
        }
        return EventStream(body)
    }

    /// Writes events after `cursor` as they are recorded, until the terminal one (or shutdown).
    private func pump(
        _ jobID: UUID, after cursor: Int, into writer: inout any ResponseBodyWriter, logger: Logger,
        reveal: @Sendable (JSONValue?) -> JSONValue?
    ) async throws {
        let key = JobQueue.notificationKey(for: jobID)
        var cursor = cursor
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let seen = await hub.generation(of: key)
            var events = try await queue.events(of: jobID, after: cursor, logger: logger)
            if events.isEmpty, try await queue.snapshot(of: jobID, logger: logger)?.status.isTerminal ?? true {
                // The job may have ended between the two reads, and its terminal event (written
                // with the status) is then new; if not, the client already has it.
                events = try await queue.events(of: jobID, after: cursor, logger: logger)
                if events.isEmpty { return }
            }
            for event in events {
                let result = event.status == .completed ? reveal(try await queue.snapshot(of: jobID, logger: logger)?.result) : nil
                let payload = try Self.json(JobEventPayload(jobID: jobID, event: event, result: result))
                try await writer.write(ByteBuffer(string: ServerSentEvent(id: String(event.seq), event: "progress", data: payload).encoded))
                cursor = event.seq
                if event.status.isTerminal { return }
            }
            if await !hub.wait(for: key, after: seen, timeout: heartbeat) {
                try await writer.write(ByteBuffer(string: ServerSentEvent.comment("heartbeat")))
            }
        }
    }

    static let notFound = AppError.notFound("job_not_found", "No job has this id.")

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder.platform
        encoder.outputFormatting.insert(.sortedKeys)
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `data:` of a progress event, as SPEC §4 names its fields.
struct JobEventPayload: Encodable {
    let jobID: UUID
    let event: JobEvent
    let result: JSONValue?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status, progress, currentStep = "current_step", message, result
        case errorMessage = "error_message", timestamp
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(event.status, forKey: .status)
        try container.encode(event.progress, forKey: .progress)
        try container.encode(event.step, forKey: .currentStep)
        try container.encode(event.message, forKey: .message)
        try container.encode(result, forKey: .result)
        try container.encode(event.errorMessage, forKey: .errorMessage)
        try container.encode(event.createdAt, forKey: .timestamp)
    }
}
