import Foundation
import PlatformCore

/// A saved way of looking at a recordset: its filters (the record list's query parameters), its
/// sort and its columns. Anyone who sees the recordset sees its views; their author or a
/// recordset admin changes them.
struct RecordsetView: APIModel, TableRow {
    let id: UUID
    let recordsetID: UUID
    let name: String
    let filters: JSONObject
    let sort: [SortKey]
    let columns: [String]
    let isDefault: Bool
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    struct SortKey: Codable, Sendable, Equatable {
        let field: String
        let order: SortOrder
    }

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", name, filters, sort, columns, isDefault = "is_default", createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = ["id", "recordset_id", "name", "filters", "sort", "columns", "is_default", "created_by", "created_at", "updated_at"]

    init(row: RowReader) throws {
        id = try row("id")
        recordsetID = try row("recordset_id")
        name = try row("name")
        filters = try row("filters")
        sort = try (row("sort") as JSONValue).decoded(as: [SortKey].self)
        columns = try row("columns")
        isDefault = try row("is_default")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    init(id: UUID, recordsetID: UUID, name: String, filters: JSONObject, sort: [SortKey], columns: [String], isDefault: Bool, createdBy: UUID?, createdAt: Date) {
        (self.id, self.recordsetID, self.name, self.filters, self.sort) = (id, recordsetID, name, filters, sort)
        (self.columns, self.isDefault, self.createdBy, self.createdAt, self.updatedAt) = (columns, isDefault, createdBy, createdAt, createdAt)
    }

    static let example = RecordsetView(
        id: UUID(uuidString: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a")!, recordsetID: Recordset.example.id, name: "Won this year",
        filters: JSONObject(["status": "active", "column_filters": "{\"stage\":\"won\"}"]), sort: [SortKey(field: "amount", order: .desc)],
        columns: ["name", "amount"], isDefault: false, createdBy: Record.example.createdBy, createdAt: Date(timeIntervalSince1970: 1_767_225_600))

    static func check(name: String?, sort: [SortKey]?, columns: [String]?, _ check: inout Validation) -> String? {
        let trimmed = name.map { check.text($0, "name", length: 1...200) }
        check.require((sort ?? []).count <= 10, "sort", "must have at most 10 keys")
        check.require((sort ?? []).allSatisfy { (1...200).contains($0.field.count) }, "sort", "each field must be 1 to 200 characters")
        check.require((columns ?? []).count <= 200, "columns", "must have at most 200 columns")
        check.require((columns ?? []).allSatisfy { (1...200).contains($0.count) }, "columns", "each column must be 1 to 200 characters")
        return trimmed
    }

    struct New: RequestBody, APIModel {
        var name: String
        var filters: JSONObject?
        var sort: [SortKey]?
        var columns: [String]?
        var isDefault: Bool?

        enum CodingKeys: String, CodingKey { case name, filters, sort, columns, isDefault = "is_default" }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.name = RecordsetView.check(name: name, sort: sort, columns: columns, &check) ?? name
            try check.finish("The view is invalid.")
            return new
        }

        static let example = New(name: "Won this year", filters: RecordsetView.example.filters, sort: RecordsetView.example.sort, columns: ["name"], isDefault: false)
    }

    /// PUT replaces every field (omitted ones return to their defaults); PATCH changes those sent.
    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var filters: Patch<JSONObject>
        var sort: Patch<[SortKey]>
        var columns: Patch<[String]>
        var isDefault: Patch<Bool>

        enum CodingKeys: String, CodingKey { case name, filters, sort, columns, isDefault = "is_default" }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let name) = name { change.name = .value(RecordsetView.check(name: name, sort: nil, columns: nil, &check) ?? name) }
            if case .value(let sort) = sort { _ = RecordsetView.check(name: nil, sort: sort, columns: nil, &check) }
            if case .value(let columns) = columns { _ = RecordsetView.check(name: nil, sort: nil, columns: columns, &check) }
            check.require(name != .null, "name", "must not be null")
            check.require(isDefault != .null, "is_default", "must not be null")
            try check.finish("The view is invalid.")
            return change
        }

        static let example = Change(name: .value("Won"), filters: .absent, sort: .absent, columns: .absent, isDefault: .absent)
    }
}

enum SortOrder: String, SchemaEnum { case asc, desc }

struct RecordsetViewList: APIModel {
    let items: [RecordsetView]
    static let example = RecordsetViewList(items: [.example])
}
