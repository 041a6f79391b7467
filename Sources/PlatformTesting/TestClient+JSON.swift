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

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
    public var intValue: Int? {
        if case .number(let value) = self { return Int(value) }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
