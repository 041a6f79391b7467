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
