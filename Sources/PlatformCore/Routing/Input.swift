import Foundation
import HTTPTypes
import Hummingbird

/// What a handler reads, already decoded and validated: the body, the query, the path's ids.
public struct Input<Body: Sendable, Query: Sendable>: Sendable {
    public let body: Body
    public let query: Query
    /// The request itself, for headers such as `Last-Event-ID`.
    public let request: Request
    /// Who sent it, as far as the connection tells.
    public let client: ClientInfo
    /// The `Idempotency-Key` header of an idempotent operation (the store has checked it).
    public var idempotencyKey: String? { request.headers[IdempotencyStore.header] }
    let ids: [String: UUID]
    let words: [String: String]

    /// A path parameter named `…_id`: a UUID, checked before the handler runs.
    public func id(_ name: String) -> UUID {
        guard let id = ids[name] else { preconditionFailure("the path has no {\(name)}") }
        return id
    }

    /// Any other path parameter (`{role}`, `{permission}`), as sent; the handler checks its value.
    public func parameter(_ name: String) -> String {
        guard let word = words[name] else { preconditionFailure("the path has no {\(name)}") }
        return word
    }

    /// Whether a path parameter is an id (a UUID) or a word.
    public static func isID(_ parameter: String) -> Bool { parameter.hasSuffix("_id") }
}

extension Input where Body: RequestBody, Query: QueryParameters {
    /// Path ids first (400 `invalid_id`), then the query (400 `invalid_query`), then the body
    /// (400 `invalid_json`, 413, 422 with every bad field).
    init(
        request: Request, body: ByteBuffer?, context: AppRequestContext, pathParameters: [String], bodyFields: Set<String>?,
        trustedProxies: Set<String> = []
    ) async throws {
        var ids: [String: UUID] = [:]
        var words: [String: String] = [:]
        for name in pathParameters {
            let raw = context.parameters.get(name)
            if Self.isID(name) {
                guard let raw, let id = UUID(uuidString: raw) else {
                    throw AppError.badRequest("invalid_id", "The \(name) in the path must be a UUID.")
                }
                ids[name] = id
            } else {
                words[name] = raw?.removingPercentEncoding ?? raw ?? ""
            }
        }
        self.ids = ids
        self.words = words
        self.request = request
        self.client = ClientInfo(
            ip: ClientInfo.address(peer: context.remoteAddress, forwardedFor: request.headers[values: ClientInfo.forwardedFor], trusting: trustedProxies),
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
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

    public static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    /// address in `X-Forwarded-For` (read from the right, as each proxy appends the one it saw)
    /// that is not itself a trusted proxy. Entries left of it are the client's word and ignored.
    public static func address(peer: String?, forwardedFor: [String], trusting proxies: Set<String>) -> String? {
        guard let peer, proxies.contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !$0.isEmpty && !proxies.contains($0) } ?? peer
    }
}
