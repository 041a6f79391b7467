import Foundation
import Logging
import PostgresNIO

/// A window of a long, growing list (channel messages) around an item: `before`, `after` or
/// `around` an item's id, or the newest when none is given; `limit` (default 50, at most 200).
public struct CursorQuery: QueryParameters, Equatable {
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
    /// The window `cursor` asks for, in `(created_at, id)` order. `from` is `FROM … WHERE …` (the
    /// anchor condition is added with AND); `table` is where the anchor's position is looked up.
    public func window<R: TableRow & APIModel>(
        _ type: R.Type, _ from: PostgresQuery, table: QualifiedTable, cursor: CursorQuery, logger: Logger
    ) async throws -> CursorPage<R> {
        func slice(_ comparison: StaticString?, anchor: UUID?, newestFirst: Bool, limit: Int) async throws -> (items: [R], more: Bool) {
            guard limit > 0 else { return ([], false) }
            var binds = from.binds
            var sql = "SELECT \(R.columns.sql) \(from.sql)"
            if let comparison, let anchor {
                binds.append(anchor)
                sql += " AND (created_at, id) \(comparison) (SELECT created_at, id FROM \(table) WHERE id = $\(binds.count))"
            }
            binds.append(limit + 1)
            sql += newestFirst ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at, id"
            sql += " LIMIT $\(binds.count)"
            var items = try await all(R.self, PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
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
