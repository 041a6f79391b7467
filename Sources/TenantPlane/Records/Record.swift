import Foundation
import PlatformCore

/// A row of a recordset: free-form JSON `data` whose keys keep their case, versioned on each change.
struct Record: APIModel {
    let id: UUID
    let recordsetID: UUID
    let data: JSONObject
    let version: Int
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", data, version, createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let example = Record(
        id: UUID(uuidString: "6f1c1f0e-8a3b-4a57-9d36-0f4c4b1d9a10")!, recordsetID: UUID(uuidString: "2b7e9a64-1c1d-4f3e-a0b5-7d2f0c9e8a11")!,
        data: JSONObject(["firstName": "Ada", "stage": "won"]), version: 2,
        createdBy: UUID(uuidString: "9a0d5e2c-3b4f-4c6d-8e7f-1a2b3c4d5e6f")!,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600), updatedAt: Date(timeIntervalSince1970: 1_767_229_200))
}

extension Record: TableRow {
    static let columns: Columns = ["id", "recordset_id", "data", "version", "created_by", "created_at", "updated_at"]

    init(row: RowReader) throws {
        id = try row("id")
        recordsetID = try row("recordset_id")
        data = try row("data")
        version = try row("version")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }
}

extension Record {
    struct New: RequestBody, APIModel {
        let recordsetID: UUID
        let data: JSONObject

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", data }
        static let example = New(recordsetID: Record.example.recordsetID, data: JSONObject(["firstName": "Ada"]))
    }

    /// PATCH merges the given top-level keys into `data`.
    struct Change: RequestBody, APIModel {
        let data: JSONObject
        static let example = Change(data: JSONObject(["stage": "won"]))
    }

    struct Filter: QueryParameters {
        let recordsetID: UUID?
        let page: Page

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", page }
    }
}
