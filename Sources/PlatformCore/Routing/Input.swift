import Foundation
import Hummingbird

/// What a handler reads, already decoded and validated: the body, the query, the path's ids.
public struct Input<Body: Sendable, Query: Sendable>: Sendable {
    public let body: Body
    public let query: Query
    /// The request itself, for headers such as `Last-Event-ID`.
    public let request: Request
    /// Who sent it, as far as the connection tells.
    public let client: ClientInfo
    let ids: [String: UUID]

    /// A path parameter (every one is a UUID, checked before the handler runs).
    public func id(_ name: String) -> UUID {
        guard let id = ids[name] else { preconditionFailure("the path has no {\(name)}") }
        return id
    }
}

extension Input where Body: RequestBody, Query: QueryParameters {
    /// Path ids first (400 `invalid_id`), then the query (400 `invalid_query`), then the body
    /// (400 `invalid_json`, 413, 422 with every bad field).
    init(request: Request, body: ByteBuffer?, context: AppRequestContext, pathParameters: [String], bodyFields: Set<String>?) async throws {
        var ids: [String: UUID] = [:]
        for name in pathParameters {
            guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
                throw AppError.badRequest("invalid_id", "The \(name) in the path must be a UUID.")
            }
            ids[name] = id
        }
        self.ids = ids
        self.request = request
        self.client = ClientInfo(ip: context.remoteAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
        if Query.self == NoQuery.self {
            self.query = NoQuery() as! Query
        } else {
            let items = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            self.query = try QueryDecoder().decode(Query.self, from: items)
        }
        if Body.self == NoBody.self {
            self.body = NoBody() as! Body
        } else if let raw = Body.self as? any RawRequestBody.Type {
            self.body = try raw.init(raw: body ?? ByteBuffer(), contentType: request.headers[.contentType]).validated() as! Body
        } else {
            self.body = try JSONBody.decode(Body.self, from: body ?? ByteBuffer(), fields: bodyFields).validated()
        }
    }
}

/// The caller's address and user agent, as recorded in the audit log.
public struct ClientInfo: Sendable, Equatable {
    public let ip: String?
    public let userAgent: String?

    public init(ip: String?, userAgent: String?) {
        self.ip = ip
        self.userAgent = userAgent
    }

    /// What throttles key anonymous callers by.
    public var throttleKey: String { ip ?? "unknown" }
}
