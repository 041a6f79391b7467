import Foundation
import PlatformCore

/// A named collection of records. Deleting moves it to the trash.
struct Recordset: APIModel {
    let id: UUID
    let name: String
    let description: String
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, description, createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let example = Recordset(
        id: Record.example.recordsetID, name: "Leads", description: "Inbound leads", createdBy: Record.example.createdBy,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600), updatedAt: Date(timeIntervalSince1970: 1_767_225_600))
}

extension Recordset: TableRow {
    static let columns: Columns = ["id", "name", "description", "created_by", "created_at", "updated_at"]

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
        description = try row("description")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }
}

extension Recordset {
    struct New: RequestBody, APIModel {
        var name: String
        var description: String?

        func validated() throws -> New {
            var check = Validation()
            let name = check.text(name, "name", length: 1...200)
            check.require((description ?? "").count <= 2000, "description", "must be at most 2000 characters")
            try check.finish("The recordset is invalid.")
            return New(name: name, description: description ?? "")
        }

        static let example = New(name: "Leads", description: "Inbound leads")
    }

    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var description: Patch<String>

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            switch name {
            case .value(let value): change.name = .value(check.text(value, "name", length: 1...200))
            case .null: check.require(false, "name", "must not be null")
            case .absent: break
            }
            if case .value(let value) = description { check.require(value.count <= 2000, "description", "must be at most 2000 characters") }
            try check.finish("The recordset is invalid.")
            return change
        }

        static let example = Change(name: .value("Hot leads"), description: .absent)
    }
}
