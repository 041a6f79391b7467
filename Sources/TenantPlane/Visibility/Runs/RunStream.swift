import Foundation
import Hummingbird
import NIOCore
import PlatformCore
import ServiceLifecycle

/// `GET /visibility/runs/{run_id}/stream`: the run as Server-Sent Events — a `progress` event with
/// the whole run whenever its counters or status change, ending with a `done` event once it has
/// ended. Served by any instance: the worker's NOTIFY wakes the stream, the run is read from the
/// database, and a reader that reconnects simply gets the current state first.
struct RunStream: Sendable {
    let hub: NotificationHub
    let heartbeat: Duration

    static let endpoint = Endpoint(
        .get, "/api/v1/visibility/runs/{run_id}/stream", "A run's progress as Server-Sent Events (`progress`, then `done`)",
        returns: EventStream.self, errors: [RunController.runNotFound])

    func addRoutes(to routes: RouteTable, permission: Permission) {
        routes.tenant(Self.endpoint, permission) { input, context in
            let repository = RunRepository(context)
            let first = try await repository.require(try input.id("run_id"))
            let key = RunRepository.key(workspace: context.workspaceID, run: first.id)
            let body = ResponseBody { [hub, heartbeat] writer in
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: ServerSentEvent.comment("connected")))
                    var last: VisibilityRun? = nil
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        let seen = await hub.generation(of: key)
                        guard let run = try await repository.find(first.id) else { break }
                        if last.map({ Self.changed($0, run) }) ?? true {
                            try await writer.write(Self.frame(run, event: run.isTerminal ? "done" : "progress"))
                            last = run
                        }
                        if run.isTerminal { break }
                        if !(await hub.wait(for: key, after: seen, timeout: heartbeat)) {
                            try await writer.write(ByteBuffer(string: ServerSentEvent.comment("heartbeat")))
                        }
                    }
                } onGracefulShutdown: {
                    Task { await hub.post(key) }
                }
                try await writer.finish(nil)
            }
            return EventStream(body)
        }
    }

    static func changed(_ before: VisibilityRun, _ after: VisibilityRun) -> Bool {
        before.status != after.status || before.completedResults != after.completedResults || before.failedResults != after.failedResults
            || before.cancelledResults != after.cancelledResults || before.creditsRefunded != after.creditsRefunded
    }

    static func frame(_ run: VisibilityRun, event: String) throws -> ByteBuffer {
        let done = run.completedResults + run.failedResults + run.cancelledResults
        return ByteBuffer(string: ServerSentEvent(
            id: "\(done)", event: event, data: String(decoding: try JSONWriter.encode(run), as: UTF8.self)).encoded)
    }
}
