import Foundation
import Logging
import PostgresNIO

/// A window of a long, growing list (channel messages) around an item: `before`, `after` or
/// `around` an item's id, or the newest when none is given; `limit` (default 50, at most 200).
public struct CursorQuery: QueryParameters, Equatable, SchemaDescribed {
    public enum Anchor: Equatable, Sendable {
        case newest
        case before(UUID)
        case after(UUID)
        case around(UUID)
    }

    public let anchor: Anchor
    public let limit: Int

    public init(_ anchor: Anchor = .newest, limit: Int = Page.defaultLimit) {
        self.anchor = anchor
        self.limit = min(max(limit, 1), Page.maximumLimit)
    }

    enum CodingKeys: String, CodingKey { case before, after, around, limit }

    public init(from decoder: any Decoder) throws {
        let query = try decoder.container(keyedBy: CodingKeys.self)
        let limit = try query.decodeIfPresent(Int.self, forKey: .limit) ?? Page.defaultLimit
        guard limit >= 1 else { throw AppError.invalidQuery("limit must be an integer of at least 1.") }
        let anchors: [Anchor] = [
            try query.decodeIfPresent(UUID.self, forKey: .before).map(Anchor.before),
            try query.decodeIfPresent(UUID.self, forKey: .after).map(Anchor.after),
            try query.decodeIfPresent(UUID.self, forKey: .around).map(Anchor.around),
        ].compactMap { $0 }
        guard anchors.count <= 1 else { throw AppError.invalidQuery("Give at most one of before, after and around.") }
        self.init(anchors.first ?? .newest, limit: limit)
    }
}

extension CursorQuery {
    public static let schemaPlaceholder = CursorQuery()
    public static var jsonSchema: JSONSchema {
        func id(_ description: String) -> JSONSchema { JSONSchema(types: [.string], format: "uuid", description: description) }
        return .object([
            "limit": JSONSchema(types: [.integer], description: "Items: default \(Page.defaultLimit), at most \(Page.maximumLimit).", minimum: 1),
            "before": id("Items older than this one."),
            "after": id("Items newer than this one."),
            "around": id("Items centred on this one (itself included)."),
        ], additionalProperties: .bool(false))
    }
}

/// A window of items, oldest first, and whether more lie on either side.
public struct CursorPage<Item: APIModel>: APIModel {
    public let items: [Item]
    public let hasMoreBefore: Bool
    public let hasMoreAfter: Bool

    enum CodingKeys: String, CodingKey { case items, hasMoreBefore = "has_more_before", hasMoreAfter = "has_more_after" }

    public init(items: [Item], hasMoreBefore: Bool, hasMoreAfter: Bool) {
        self.items = items
        self.hasMoreBefore = hasMoreBefore
        self.hasMoreAfter = hasMoreAfter
    }

    public static var example: CursorPage<Item> { CursorPage(items: [.example], hasMoreBefore: true, hasMoreAfter: false) }
}

extension Queryable {
    /// The window `cursor` asks for, in `(created_at, id)` order of the rows aliased `alias`.
    /// `select` is `SELECT … FROM … WHERE …` (the anchor condition is added with AND);
    /// `anchor` is a query for an anchor's `created_at, id` (no row: an empty side).
    public func window<R: Row & APIModel>(
        _ type: R.Type, _ select: SQLFragment, alias: SQLFragment, anchor: @escaping (UUID) -> SQLFragment, cursor: CursorQuery, logger: Logger
    ) async throws -> CursorPage<R> {
        func slice(_ comparison: SQLFragment?, anchor id: UUID?, newestFirst: Bool, limit: Int) async throws -> (items: [R], more: Bool) {
            guard limit > 0 else { return ([], false) }
            var sql = select
            if let comparison, let id { sql = "\(sql) AND (\(alias).created_at, \(alias).id) \(comparison) (\(anchor(id)))" }
            let order: SQLFragment = newestFirst ? "\(alias).created_at DESC, \(alias).id DESC" : "\(alias).created_at, \(alias).id"
            let query: SQLFragment = "\(sql) ORDER BY \(order) LIMIT \(limit + 1)"
            var items = try await all(R.self, try query.query, logger: logger)
            let more = items.count > limit
            items = Array(items.prefix(limit))
            return (newestFirst ? items.reversed() : items, more)
        }
        switch cursor.anchor {
        case .newest:
            let older = try await slice(nil, anchor: nil, newestFirst: true, limit: cursor.limit)
            return CursorPage(items: older.items, hasMoreBefore: older.more, hasMoreAfter: false)
        case .before(let id):
            let older = try await slice("<", anchor: id, newestFirst: true, limit: cursor.limit)
            return CursorPage(items: older.items, hasMoreBefore: older.more, hasMoreAfter: true)
        case .after(let id):
            let newer = try await slice(">", anchor: id, newestFirst: false, limit: cursor.limit)
            return CursorPage(items: newer.items, hasMoreBefore: true, hasMoreAfter: newer.more)
        case .around(let id):
            let older = try await slice("<", anchor: id, newestFirst: true, limit: cursor.limit / 2)
            let rest = try await slice(">=", anchor: id, newestFirst: false, limit: cursor.limit - older.items.count)
            return CursorPage(items: older.items + rest.items, hasMoreBefore: older.more, hasMoreAfter: rest.more)
        }
    }
}
