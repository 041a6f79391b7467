import Foundation
import PlatformCore

/// A row of a recordset: free-form JSON `data` whose keys keep their case, a status, tags and a
/// pipeline stage. Every change of content makes a new version (kept in its history).
struct Record: APIModel {
    let id: UUID
    let recordsetID: UUID
    var data: JSONObject
    let status: String
    let tags: [String]
    let stageID: UUID?
    let version: Int
    let createdBy: UUID?
    let updatedBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", data, status, tags, stageID = "stage_id", version, createdBy = "created_by", updatedBy = "updated_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let example = Record(
        id: UUID(uuidString: "6f1c1f0e-8a3b-4a57-9d36-0f4c4b1d9a10")!, recordsetID: UUID(uuidString: "2b7e9a64-1c1d-4f3e-a0b5-7d2f0c9e8a11")!,
        data: JSONObject(["firstName": "Ada", "stage": "won"]), status: "active", tags: ["vip"], stageID: nil, version: 2,
        createdBy: UUID(uuidString: "9a0d5e2c-3b4f-4c6d-8e7f-1a2b3c4d5e6f")!, updatedBy: nil,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600), updatedAt: Date(timeIntervalSince1970: 1_767_229_200))
}

extension Record: TableRow {
    static let columns: Columns = [
        "id", "recordset_id", "data", "status", "tags", "stage_id", "version", "created_by", "updated_by", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        recordsetID = try row("recordset_id")
        data = try row("data")
        status = try row("status")
        tags = try row("tags")
        stageID = try row("stage_id")
        version = try row("version")
        createdBy = try row("created_by")
        updatedBy = try row("updated_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }
}

extension Record {
    /// `deleted` is what DELETE sets; nobody writes it directly.
    static func checkStatus(_ status: String, _ check: inout Validation) {
        check.require(status.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) != nil && status != "deleted", "status",
                      "must be lower-case letters, digits and _ (at most 50), and not deleted")
    }

    /// Trimmed, without blanks or repeats, each at most 50 characters, at most 100 of them.
    static func cleanTags(_ tags: [String], _ check: inout Validation) -> [String] {
        var seen = Set<String>()
        let cleaned = tags.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        check.require(cleaned.count <= 100, "tags", "must be at most 100 tags")
        check.require(cleaned.allSatisfy { $0.count <= 50 }, "tags", "each tag must be at most 50 characters")
        return cleaned
    }

    struct New: RequestBody, APIModel {
        var recordsetID: UUID
        var data: JSONObject
        var status: String?
        var tags: [String]?
        /// A stage of the recordset's pipeline.
        var stageID: UUID?

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", data, status, tags, stageID = "stage_id" }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.status = status ?? "active"
            Record.checkStatus(new.status!, &check)
            new.tags = Record.cleanTags(tags ?? [], &check)
            try check.finish("The record is invalid.")
            return new
        }

        static let example = New(recordsetID: Record.example.recordsetID, data: JSONObject(["firstName": "Ada"]), status: nil, tags: nil, stageID: nil)
    }

    /// PUT: the record's data, status and tags are replaced (omitted status and tags return to
    /// `active` and none). Its recordset and stage stay.
    struct Replacement: RequestBody, APIModel {
        var data: JSONObject
        var status: String?
        var tags: [String]?

        func validated() throws -> Replacement {
            var check = Validation()
            var replacement = self
            replacement.status = status ?? "active"
            Record.checkStatus(replacement.status!, &check)
            replacement.tags = Record.cleanTags(tags ?? [], &check)
            try check.finish("The record is invalid.")
            return replacement
        }

        static let example = Replacement(data: JSONObject(["firstName": "Ada", "stage": "won"]), status: "active", tags: ["vip"])
    }

    /// PATCH: `data`'s top-level keys are merged in (a key sent as null becomes null); status and
    /// tags change only when sent (tags null clears them).
    struct Change: RequestBody, APIModel {
        var data: Patch<JSONObject>
        var status: Patch<String>
        var tags: Patch<[String]>

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            check.require(data != .null, "data", "must be an object (send the keys to change)")
            check.require(status != .null, "status", "must not be null")
            if case .value(let status) = status { Record.checkStatus(status, &check) }
            if case .value(let tags) = tags { change.tags = .value(Record.cleanTags(tags, &check)) }
            try check.finish("The record change is invalid.")
            return change
        }

        static let example = Change(data: .value(JSONObject(["stage": "won"])), status: .absent, tags: .absent)
    }

    /// `POST /records/bulk-delete`: every record of a recordset (`all`, needs `can_delete`) or
    /// the records named (each needs `can_delete`, or `can_delete_own` for one's own). All or none.
    struct BulkDelete: RequestBody, APIModel {
        let recordsetID: UUID?
        let all: Bool?
        let recordIDs: [UUID]?

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", all, recordIDs = "record_ids" }

        func validated() throws -> BulkDelete {
            var check = Validation()
            if all == true {
                check.require(recordsetID != nil, "recordset_id", "is required with all")
                check.require(recordIDs == nil, "record_ids", "give either all or record_ids")
            } else {
                check.require(!(recordIDs ?? []).isEmpty, "record_ids", "must name at least one record (or set all with recordset_id)")
                check.require((recordIDs ?? []).count <= 1000, "record_ids", "must name at most 1000 records")
            }
            try check.finish("The bulk delete is invalid.")
            return self
        }

        static let example = BulkDelete(recordsetID: nil, all: nil, recordIDs: [Record.example.id])
    }

    struct BulkDeleted: APIModel {
        let deleted: Int
        let recordIDs: [UUID]
        enum CodingKeys: String, CodingKey { case deleted, recordIDs = "record_ids" }
        static let example = BulkDeleted(deleted: 1, recordIDs: [Record.example.id])
    }
}

/// A record with its recordset's owner and the caller's levels there, read in one query.
struct AccessibleRecord: Row {
    var record: Record
    let levels: AccessLevels

    init(row: RowReader) throws {
        record = try Record(row: row)
        levels = try AccessLevels(row: row)
    }

    init(record: Record, levels: AccessLevels) {
        self.record = record
        self.levels = levels
    }
}
