import Foundation
import HTTPTypes
import Hummingbird

/// One operation of the API, declared once as a static constant beside its handler: the route table
/// registers it, the OpenAPI document describes it, the isolation sweep visits it, and job tickets
/// build their URLs from it. Its types say what it reads and answers.
public struct Endpoint<Body: RequestBody, Query: QueryParameters, Output: EndpointOutput>: Sendable {
    public let method: HTTPRequest.Method
    /// The full path, parameters in braces: `/api/v1/records/{record_id}`.
    public let path: String
    public let summary: String
    public let status: HTTPResponse.Status
    /// The errors particular to this operation; those of its access rule and input are added for it.
    public let errors: [ErrorCase]
    /// Honours `Idempotency-Key`: the first response is stored and replayed.
    public let isIdempotent: Bool
    /// The values each word parameter (`{role}`) may take.
    public var pathWords: [String: [String]] = [:]
    /// Set for an operation the platform knows but does not offer: it answers 501 `not_supported`
    /// with this message, and the document marks it `x-implemented: false`.
    public var notSupported: String?

    public init(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String,
        body: Body.Type, query: Query.Type, returns: Output.Type,
        status: HTTPResponse.Status = .ok, errors: [ErrorCase] = [], idempotent: Bool = false
    ) {
        self.method = method
        self.path = path
        self.summary = summary
        self.status = status
        self.errors = errors
        self.isIdempotent = idempotent
    }

    /// The same endpoint, documenting the values a word parameter takes.
    public func accepting(_ parameter: String, _ values: [String]) -> Endpoint {
        var endpoint = self
        endpoint.pathWords[parameter] = values
        return endpoint
    }

    /// The same endpoint, answering 501 `not_supported` with `reason` (after its access rule).
    public func unsupported(_ reason: String) -> Endpoint {
        var endpoint = self
        endpoint.notSupported = reason
        return endpoint
    }

    /// The names of the path's `{parameters}`, in order.
    public var pathParameters: [String] { Self.parameters(in: path) }

    /// The path with its parameters filled in, UUIDs lower-case: `/api/v1/workspace/jobs/3f2a…`.
    public func url(_ values: [String: UUID]) -> String {
        var url = path
        for name in pathParameters {
            guard let value = values[name] else { preconditionFailure("no value for {\(name)} in \(path)") }
            url = url.replacingOccurrences(of: "{\(name)}", with: value.uuidString.lowercased())
        }
        return url
    }

    static func parameters(in path: String) -> [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }
}

extension Endpoint where Body == NoBody, Query == NoQuery {
    public init(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, returns: Output.Type,
        status: HTTPResponse.Status = .ok, errors: [ErrorCase] = [], idempotent: Bool = false
    ) {
        self.init(method, path, summary, body: NoBody.self, query: NoQuery.self, returns: returns, status: status, errors: errors, idempotent: idempotent)
    }
}

extension Endpoint where Query == NoQuery {
    public init(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, body: Body.Type, returns: Output.Type,
        status: HTTPResponse.Status = .ok, errors: [ErrorCase] = [], idempotent: Bool = false
    ) {
        self.init(method, path, summary, body: body, query: NoQuery.self, returns: returns, status: status, errors: errors, idempotent: idempotent)
    }
}

extension Endpoint where Body == NoBody {
    public init(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, query: Query.Type, returns: Output.Type,
        status: HTTPResponse.Status = .ok, errors: [ErrorCase] = []
    ) {
        self.init(method, path, summary, body: NoBody.self, query: query, returns: returns, status: status, errors: errors)
    }
}

/// An error an operation may answer: its status and stable code.
public struct ErrorCase: Sendable, Hashable, Comparable {
    public let status: HTTPResponse.Status
    public let code: String

    public init(_ status: HTTPResponse.Status, _ code: String) {
        self.status = status
        self.code = code
    }

    public init(_ error: AppError) { self.init(error.status, error.code) }

    public static func notFound(_ code: String) -> ErrorCase { ErrorCase(.notFound, code) }
    public static func conflict(_ code: String) -> ErrorCase { ErrorCase(.conflict, code) }
    public static func forbidden(_ code: String) -> ErrorCase { ErrorCase(.forbidden, code) }
    public static let validation = ErrorCase(.unprocessableContent, "validation_failed")

    public static func < (lhs: ErrorCase, rhs: ErrorCase) -> Bool {
        (lhs.status.code, lhs.code) < (rhs.status.code, rhs.code)
    }
}

