import Foundation

/// Which slice of a list: `limit` (default 50, at most 200) and `offset`. The seed's aliases are
/// accepted too: `page` (from 1) with `page_size`, and `skip` for `offset`.
public struct Page: QueryParameters, Equatable, SchemaDescribed {
    public let limit: Int
    public let offset: Int

    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public init(limit: Int = Page.defaultLimit, offset: Int = 0) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.offset = offset
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case limit, offset, page, pageSize = "page_size", skip }

    public init(from decoder: any Decoder) throws {
        let query = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys, minimum: Int) throws -> Int? {
            guard let value = try query.decodeIfPresent(Int.self, forKey: key) else { return nil }
            guard value >= minimum else {
                throw AppError.invalidQuery("\(key.rawValue) must be an integer of at least \(minimum).")
            }
            return value
        }
        // Every alias present is checked, even one its partner makes irrelevant.
        let (limit, pageSize) = (try number(.limit, minimum: 0), try number(.pageSize, minimum: 1))
        let (offset, skip, page) = (try number(.offset, minimum: 0), try number(.skip, minimum: 0), try number(.page, minimum: 1))
        let size = min(max(limit ?? pageSize ?? Self.defaultLimit, 1), Self.maximumLimit)
        if let offset = offset ?? skip {
            self.init(limit: size, offset: offset)
        } else {
            let page = page ?? 1
            guard page <= Int.max / size else { throw AppError.invalidQuery("page is too large.") }
            self.init(limit: size, offset: (page - 1) * size)
        }
    }

    public static let schemaPlaceholder = Page()
    public static var jsonSchema: JSONSchema {
        func integer(_ minimum: Double, _ description: String) -> JSONSchema {
            JSONSchema(types: [.integer], description: description, minimum: minimum)
        }
        return .object([
            "limit": integer(0, "Items per page: default \(defaultLimit), at most \(maximumLimit)."),
            "offset": integer(0, "Items to skip."),
            "page": integer(1, "1-based page number, with page_size (instead of offset)."),
            "page_size": integer(1, "Alias of limit, with page."),
            "skip": integer(0, "Alias of offset."),
        ], additionalProperties: .bool(false))
    }
}

/// The list envelope: `{"items", "total", "limit", "offset"}`.
public struct ListResponse<Item: APIModel>: APIModel {
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

    public func map<T: APIModel>(_ transform: (Item) throws -> T) rethrows -> ListResponse<T> {
        ListResponse<T>(items: try items.map(transform), total: total, page: Page(limit: limit, offset: offset))
    }

    public static var example: ListResponse<Item> { ListResponse(items: [.example], total: 1, page: Page()) }
}
