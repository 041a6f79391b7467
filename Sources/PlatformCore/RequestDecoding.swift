import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body, answering malformed JSON with 400 and missing or mistyped fields with 422.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw AppError.badRequest("invalid_json", "The request body must be a JSON object.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw Self.appError(for: error)
        }
    }

    private static func appError(for error: DecodingError) -> AppError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (last.map { [$0] } ?? [])
            let rendered = keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return rendered.isEmpty ? "body" : rendered
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation("A required field is missing.", fields: [path(context.codingPath, key): "is required"])
        case .valueNotFound(_, let context):
            return .validation("A required field is null.", fields: [path(context.codingPath): "must not be null"])
        case .typeMismatch(let type, let context):
            return .validation("A field has the wrong type.", fields: [path(context.codingPath): "must be \(describe(type))"])
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .badRequest("invalid_json", "The request body is not valid JSON.")
        case .dataCorrupted(let context):
            return .validation("A field has an invalid value.", fields: [path(context.codingPath): context.debugDescription])
        @unknown default:
            return .badRequest("invalid_json", "The request body could not be read.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Optional<String>.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        case is UUID.Type: "a UUID"
        case is [String: Any].Type: "a JSON object"
        default: "of a different type"
        }
    }
}

extension Parameters {
    /// A path parameter that must be a UUID; a malformed one is 400 rather than a miss.
    public func requireUUID(_ name: String) throws -> UUID {
        guard let raw = get(name), let id = UUID(uuidString: raw) else {
            throw AppError.badRequest("invalid_id", "The \(name) in the path must be a UUID.")
        }
        return id
    }
}

/// `limit` (default 50, at most 200) and `offset` from the query string.
public struct Page: Sendable {
    public let limit: Int
    public let offset: Int

    public init(limit: Int = 50, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    public init(_ request: Request) throws {
        let query = request.uri.queryParameters
        func number(_ name: String, default value: Int) throws -> Int {
            guard let raw = query[name[...]] else { return value }
            guard let parsed = Int(raw), parsed >= 0 else {
                throw AppError.badRequest("invalid_query", "\(name) must be a non-negative integer.")
            }
            return parsed
        }
        self.limit = min(max(try number("limit", default: 50), 1), 200)
        self.offset = try number("offset", default: 0)
    }
}

/// The list envelope: `{"items", "total", "limit", "offset"}`.
public struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public let items: [Item]
    public let total: Int
    public let limit: Int
    public let offset: Int

    public init(items: [Item], total: Int, page: Page) {
        self.items = items
        self.total = total
        self.limit = page.limit
        self.offset = page.offset
    }
}

/// An encoded body with a status other than 200: `.created(object)` for 201, `.accepted(ticket)` for 202.
public struct EncodedResponse<Body: ResponseEncodable>: ResponseGenerator {
    public let status: HTTPResponse.Status
    public let body: Body

    public static func created(_ body: Body) -> EncodedResponse { EncodedResponse(status: .created, body: body) }
    public static func accepted(_ body: Body) -> EncodedResponse { EncodedResponse(status: .accepted, body: body) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try body.response(from: request, context: context)
        response.status = status
        return response
    }
}
