import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import PlatformCore

/// A real streaming SSE reader over a socket: it sees events as the server flushes them.
public enum SSEReader {
    public struct Read: Sendable {
        public var events: [ServerSentEvent] = []
        public var comments = 0
        public var contentType: String?
    }

    /// Reads `url` until the server ends the body or `until` says enough (then hangs up).
    /// Fails if neither happens within `timeout`.
    public static func read(
        _ url: String, lastEventID: String? = nil, headers: HTTPFields = [:], timeout: Duration = .seconds(30),
        until done: @escaping @Sendable (Read) -> Bool = { _ in false }
    ) async throws -> Read {
        try await withThrowingTaskGroup(of: Read?.self) { group in
            group.addTask {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Accept", value: "text/event-stream")
                if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
                for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout.components.seconds + 1))
                var read = Read(contentType: response.headers.first(name: "content-type"))
                var pending = ""
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    let parsed = ServerSentEvent.parse(pending)
                    read.events += parsed.events
                    read.comments += parsed.comments
                    pending = parsed.rest
                    if done(read) { break }
                }
                return read
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let read = try await group.next() ?? nil else { throw TestFailure("no end to \(url) within \(timeout)") }
            return read
        }
    }
}
