import Foundation
import PlatformCore

/// A named collection of records, addressed by a slug made once from its name. Its count is exact:
/// the statement that adds or deletes records adjusts it. Deleting moves it to the trash, which is
/// emptied of anything older than 30 days.
struct Recordset: APIModel {
    let id: UUID
    let slug: String
    let name: String
    let description: String
    let type: String
    let icon: String
    let isActive: Bool
    let recordCount: Int
    /// The owner: whoever created it (handed over when they leave the workspace).
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    let deletedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, slug, name, description, type, icon, isActive = "is_active", recordCount = "record_count", createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at", deletedAt = "deleted_at"
    }

    static let example = Recordset(
        id: Record.example.recordsetID, slug: "leads", name: "Leads", description: "Inbound leads", type: "custom", icon: "",
        isActive: true, recordCount: 42, createdBy: Record.example.createdBy,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600), updatedAt: Date(timeIntervalSince1970: 1_767_225_600), deletedAt: nil)

    /// How long the trash keeps a recordset.
    static let trashRetention: TimeInterval = 30 * 86_400
}

extension Recordset: TableRow {
    static let columns: Columns = [
        "id", "slug", "name", "description", "type", "icon", "is_active", "record_count", "created_by", "created_at", "updated_at", "deleted_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        slug = try row("slug")
        name = try row("name")
        description = try row("description")
        type = try row("type")
        icon = try row("icon")
        isActive = try row("is_active")
        recordCount = try row("record_count")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
        deletedAt = try row("deleted_at")
    }
}

/// A recordset with the caller's levels on it, read in one query.
struct AccessibleRecordset: Row {
    let recordset: Recordset
    let levels: AccessLevels

    init(row: RowReader) throws {
        recordset = try Recordset(row: row)
        levels = try AccessLevels(row: row)
    }

    init(recordset: Recordset, levels: AccessLevels) {
        self.recordset = recordset
        self.levels = levels
    }
}

/// How a path names a recordset (by slug, or where the seed uses ids, by id).
typealias RecordsetKey = SlugKey

extension Recordset {
    /// Slugs the API's own paths use.
    static let reservedSlugs: Set<String> = ["trash", "sync-counts"]

    static func slug(from name: String) -> String { Slug.make(from: name, fallback: "recordset") }

    static func checkType(_ type: String, _ check: inout Validation) {
        check.require(type.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) != nil, "type", "must be lower-case letters, digits and _ (at most 50)")
    }

    struct New: RequestBody, APIModel {
        var name: String
        var slug: String?
        var description: String?
        var type: String?
        var icon: String?

        func validated() throws -> New {
            var check = Validation()
            let name = check.text(name, "name", length: 1...200)
            let description = check.text(description ?? "", "description", length: 0...2000)
            let icon = check.text(icon ?? "", "icon", length: 0...100)
            let type = type ?? "custom"
            Recordset.checkType(type, &check)
            if let slug {
                check.require(Slug.isValid(slug) && !Recordset.reservedSlugs.contains(slug), "slug", Slug.invalidMessage)
            }
            try check.finish("The recordset is invalid.")
            return New(name: name, slug: slug, description: description, type: type, icon: icon)
        }

        static let example = New(name: "Leads", slug: nil, description: "Inbound leads", type: "custom", icon: nil)
    }

    /// PUT: every field is replaced; an omitted optional one returns to its default. The slug stays.
    struct Replacement: RequestBody, APIModel {
        var name: String
        var description: String?
        var type: String?
        var icon: String?

        func validated() throws -> Replacement {
            let new = try New(name: name, slug: nil, description: description, type: type, icon: icon).validated()
            return Replacement(name: new.name, description: new.description, type: new.type, icon: new.icon)
        }

        var change: Change {
            Change(name: .value(name), description: .value(description ?? ""), type: .value(type ?? "custom"), icon: .value(icon ?? ""))
        }

        static let example = Replacement(name: "Hot leads", description: "Inbound leads", type: "custom", icon: nil)
    }

    /// PATCH: only the fields sent change (the slug never does).
    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var description: Patch<String>
        var type: Patch<String>
        var icon: Patch<String>

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let value) = name { change.name = .value(check.text(value, "name", length: 1...200)) }
            if case .value(let value) = description { change.description = .value(check.text(value, "description", length: 0...2000)) }
            if case .value(let value) = icon { change.icon = .value(check.text(value, "icon", length: 0...100)) }
            if case .value(let value) = type { Recordset.checkType(value, &check) }
            check.require(name != .null, "name", "must not be null")
            check.require(type != .null, "type", "must not be null")
            try check.finish("The recordset is invalid.")
            return change
        }

        static let example = Change(name: .value("Hot leads"), description: .absent, type: .absent, icon: .absent)
    }

    struct Filter: QueryParameters {
        let page: Page
        let search: String?
        let type: String?
        /// Absent or true: live recordsets; false: those in the trash.
        let isActive: Bool?

        enum CodingKeys: String, CodingKey { case page, search, type, isActive = "is_active" }
    }

    struct TrashFilter: QueryParameters {
        let page: Page
        let search: String?
    }
}

/// `POST /crud/recordsets/sync-counts`: how many counters were wrong.
struct CountRepair: APIModel {
    let checked: Int
    let corrected: Int
    static let example = CountRepair(checked: 12, corrected: 1)
}
