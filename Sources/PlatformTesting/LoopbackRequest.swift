import AsyncHTTPClient
import Foundation
import NIOCore
import PlatformCore

/// A POST over a pooled connection of its own (AsyncHTTPClient), for tests that send many requests
/// at once: the `.live` test client has one connection, so a burst waits in line behind itself and
/// its last requests time out on a loaded machine.
public enum LoopbackRequest {
    public struct Answer: Sendable {
        public let status: Int
        public let retryAfter: String?
    }

    public static func post(port: Int, _ path: String, json: JSONValue, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(json)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"))
    }
}
