import Foundation
import HTTPTypes
import Hummingbird

/// A JSON shape the API reads or writes. Its OpenAPI schema is reflected from its `Decodable` shape,
/// and it carries an example, which a test validates against that schema.
public protocol APIModel: Codable, Sendable, EndpointOutput {
    static var example: Self { get }
}

/// A request body: decoded, then `validated()` (normalised, or a 422 naming every bad field) before
/// any handler sees it.
public protocol RequestBody: Decodable, Sendable {
    func validated() throws -> Self
}

/// The body of a signed callback (`RouteTable.signed`): it names its workspace and its delivery.
public protocol SignedBody: RequestBody {
    var workspaceID: UUID { get }
    var eventID: String { get }
}

extension RequestBody {
    public func validated() throws -> Self { self }
}

/// A body that is not JSON (an upload): read raw, up to its own size limit, and parsed by the type.
public protocol RawRequestBody: RequestBody {
    /// The media type the OpenAPI document names, e.g. `multipart/form-data`.
    static var mediaType: String { get }
    static var maximumSize: Int { get }
    static var schema: JSONSchema { get }
    /// The errors parsing may answer, for the document.
    static var errors: [ErrorCase] { get }
    init(raw: ByteBuffer, contentType: String?) throws
}

extension RawRequestBody {
    public init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(Self.self) is not decoded from JSON"))
    }
}

/// Query parameters, decoded from the query string by `QueryDecoder` (typed, 400 when malformed).
public protocol QueryParameters: Decodable, Sendable {}

/// What a handler answers with, and how the OpenAPI document describes it.
public protocol EndpointOutput: Sendable {
    static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription
    func response(status: HTTPResponse.Status) throws -> Response
}

public enum OutputDescription: Sendable {
    case empty
    case json(JSONSchema, example: JSONValue?)
    case text(contentType: String)
}

extension APIModel {
    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription {
        .json(try reflector.schema(for: Self.self), example: try JSONValue(encoding: Self.example))
    }

    public func response(status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: try JSONWriter.buffer(self)))
    }
}

/// No request body.
public struct NoBody: RequestBody {
    public init(from decoder: any Decoder) throws {}
    init() {}
}

/// No query parameters.
public struct NoQuery: QueryParameters {
    public init(from decoder: any Decoder) throws {}
    init() {}
}

/// `204 No Content`.
public struct NoContent: EndpointOutput {
    public init() {}
    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription { .empty }
    public func response(status: HTTPResponse.Status) throws -> Response { Response(status: status) }
}

/// A body that is not a JSON model: Server-Sent Events, HTML, Prometheus text, a raw JSON document.
public protocol RawOutput: EndpointOutput {
    static var contentType: String { get }
    var headers: HTTPFields { get }
    var body: ResponseBody { get }
}

extension RawOutput {
    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription {
        .text(contentType: contentType)
    }

    public func response(status: HTTPResponse.Status) throws -> Response {
        var headers = self.headers
        headers[.contentType] = Self.contentType
        return Response(status: status, headers: headers, body: body)
    }
}

/// `text/event-stream`: a job's progress.
public struct EventStream: RawOutput {
    public static let contentType = "text/event-stream"
    public let headers: HTTPFields = [.cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"]
    public let body: ResponseBody
    public init(_ body: ResponseBody) { self.body = body }
}

/// A page for people (`/docs`).
public struct HTMLDocument: RawOutput {
    public static let contentType = "text/html; charset=utf-8"
    public let headers: HTTPFields = [:]
    public let body: ResponseBody
    public init(_ html: String) { self.body = .init(byteBuffer: ByteBuffer(string: html)) }
}

/// Prometheus exposition text (`/metrics`).
public struct MetricsText: RawOutput {
    public static let contentType = "text/plain; version=0.0.4"
    public let headers: HTTPFields = [:]
    public let body: ResponseBody
    public init(_ bytes: [UInt8]) { self.body = .init(byteBuffer: ByteBuffer(bytes: bytes)) }
}

/// A JSON document served as it is (`/openapi.json`).
public struct JSONDocument: RawOutput {
    public static let contentType = "application/json; charset=utf-8"
    public let headers: HTTPFields = [:]
    public let body: ResponseBody
    public init(_ bytes: [UInt8]) { self.body = .init(byteBuffer: ByteBuffer(bytes: bytes)) }
}
