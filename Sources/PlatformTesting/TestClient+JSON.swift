import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PlatformCore

/// A response as tests read it: status, headers and the body parsed as JSON (null when empty).
public struct JSONResponse: Sendable {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    public let json: JSONValue
    public let text: String

    /// The error envelope's `code`, if this is an error.
    public var errorCode: String? { json["error"]?["code"]?.stringValue }
}

extension TestClientProtocol {
    public func request(
        _ method: HTTPRequest.Method, _ uri: String, json body: JSONValue? = nil, raw: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> JSONResponse {
        var headers = headers
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONEncoder().encode(body))
        } else if let raw {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(string: raw)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            let text = String(buffer: response.body)
            let json = text.isEmpty ? JSONValue.null : (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            return JSONResponse(status: response.status, headers: response.headers, json: json, text: text)
        }
    }
}

extension HTTPFields {
    public static func bearer(_ token: String, workspace: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if let workspace { fields[HTTPField.Name("X-Workspace-Id")!] = workspace }
        return fields
    }
}

/// A response whose body is bytes (a downloaded file).
public struct BinaryResponse: Sendable {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    public let body: [UInt8]
}

extension TestClientProtocol {
    /// Sends `fields` and one file as `multipart/form-data`.
    public func upload(
        _ uri: String, file: [UInt8], filename: String = "picture.png", contentType fileType: String = "image/png", field: String = "file",
        headers: HTTPFields = [:]
    ) async throws -> JSONResponse {
        let boundary = "----platform-test-\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: \(fileType)\r\n\r\n".utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        var headers = headers
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            return JSONResponse(status: response.status, headers: response.headers, json: json, text: text)
        }
    }

    public func download(_ uri: String, headers: HTTPFields = [:]) async throws -> BinaryResponse {
        try await execute(uri: uri, method: .get, headers: headers, body: nil) { response in
            BinaryResponse(status: response.status, headers: response.headers, body: Array(buffer: response.body))
        }
    }
}

/// Asks `body` again until `done` accepts its answer or `within` has passed, and returns the last
/// answer. For changes a test makes behind the server's back (SQL), which reach its access cache
/// through a database notification rather than at once.
public func eventually<T>(
    within limit: Duration = .seconds(1), _ body: () async throws -> T, until done: (T) -> Bool
) async throws -> T {
    let deadline = ContinuousClock.now + limit
    while true {
        let answer = try await body()
        if done(answer) || ContinuousClock.now >= deadline { return answer }
        try await Task.sleep(for: .milliseconds(20))
    }
}
