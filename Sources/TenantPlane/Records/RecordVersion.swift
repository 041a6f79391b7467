import Foundation
import PlatformCore

/// One version of a record: its content as written, the kind of change, who made it and when.
struct RecordVersion: APIModel, TableRow {
    let id: UUID
    let recordID: UUID
    let version: Int
    let data: JSONObject
    let status: String
    let tags: [String]
    let stageID: UUID?
    /// created, updated (PATCH), replaced (PUT), restored, moved (pipeline stage), deleted.
    let change: String
    let changedBy: UUID?
    let changedByName: String?
    let changedByEmail: String?
    let changedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordID = "record_id", version, data, status, tags, stageID = "stage_id", change, changedBy = "changed_by"
        case changedByName = "changed_by_name", changedByEmail = "changed_by_email", changedAt = "changed_at"
    }

    static let columns: Columns = [
        "id", "record_id", "version", "data", "status", "tags", "stage_id", "change", "changed_by", "changed_by_name", "changed_by_email", "changed_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        recordID = try row("record_id")
        version = try row("version")
        data = try row("data")
        status = try row("status")
        tags = try row("tags")
        stageID = try row("stage_id")
        change = try row("change")
        changedBy = try row("changed_by")
        changedByName = try row("changed_by_name")
        changedByEmail = try row("changed_by_email")
        changedAt = try row("changed_at")
    }

    init(id: UUID, recordID: UUID, version: Int, data: JSONObject, change: String, changedBy: UUID?, changedAt: Date) {
        (self.id, self.recordID, self.version, self.data, self.status, self.tags, self.stageID) = (id, recordID, version, data, "active", [], nil)
        (self.change, self.changedBy, self.changedByName, self.changedByEmail, self.changedAt) = (change, changedBy, "Ada Lovelace", "ada@example.com", changedAt)
    }

    static let example = RecordVersion(
        id: UUID(uuidString: "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a")!, recordID: Record.example.id, version: 2, data: Record.example.data,
        change: "updated", changedBy: Record.example.createdBy, changedAt: Record.example.updatedAt)
}

/// A comment on a record.
struct RecordComment: APIModel, TableRow {
    let id: UUID
    let recordID: UUID
    let body: String
    let authorID: UUID?
    let authorName: String?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordID = "record_id", body, authorID = "author_id", authorName = "author_name", createdAt = "created_at"
    }

    static let columns: Columns = ["id", "record_id", "body", "author_id", "author_name", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        recordID = try row("record_id")
        body = try row("body")
        authorID = try row("author_id")
        authorName = try row("author_name")
        createdAt = try row("created_at")
    }

    init(id: UUID, recordID: UUID, body: String, authorID: UUID?, authorName: String?, createdAt: Date) {
        (self.id, self.recordID, self.body, self.authorID, self.authorName, self.createdAt) = (id, recordID, body, authorID, authorName, createdAt)
    }

    static let example = RecordComment(
        id: UUID(uuidString: "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d")!, recordID: Record.example.id, body: "Called, wants a demo.",
        authorID: Record.example.createdBy, authorName: "Ada Lovelace", createdAt: Record.example.updatedAt)

    struct New: RequestBody, APIModel {
        var body: String
        func validated() throws -> New {
            var check = Validation()
            let body = check.text(body, "body", length: 1...10_000)
            try check.finish("The comment is invalid.")
            return New(body: body)
        }
        static let example = New(body: "Called, wants a demo.")
    }
}

/// A typed link between two records, as one of them sees it.
struct RecordRelationship: APIModel, TableRow {
    enum Direction: String, SchemaEnum { case outgoing, incoming }

    let id: UUID
    let type: String
    let direction: Direction
    /// The record at the other end.
    let recordID: UUID
    let recordsetID: UUID
    let createdBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, type, direction, recordID = "record_id", recordsetID = "recordset_id", createdBy = "created_by", createdAt = "created_at"
    }

    static let columns: Columns = ["id", "type", "direction", "record_id", "recordset_id", "created_by", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        type = try row("type")
        direction = try row("direction")
        recordID = try row("record_id")
        recordsetID = try row("recordset_id")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
    }

    init(id: UUID, type: String, direction: Direction, recordID: UUID, recordsetID: UUID, createdBy: UUID?, createdAt: Date) {
        (self.id, self.type, self.direction, self.recordID, self.recordsetID, self.createdBy, self.createdAt) = (id, type, direction, recordID, recordsetID, createdBy, createdAt)
    }

    static let example = RecordRelationship(
        id: UUID(uuidString: "8e7d6c5b-4a39-4281-9f0e-d1c2b3a49586")!, type: "works_at", direction: .outgoing, recordID: Record.example.id,
        recordsetID: Record.example.recordsetID, createdBy: Record.example.createdBy, createdAt: Record.example.createdAt)

    struct New: RequestBody, APIModel {
        let toRecordID: UUID
        let type: String?

        enum CodingKeys: String, CodingKey { case toRecordID = "to_record_id", type }

        func validated() throws -> New {
            var check = Validation()
            let type = type ?? "related"
            check.require(type.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) != nil, "type", "must be lower-case letters, digits and _ (at most 50)")
            try check.finish("The relationship is invalid.")
            return New(toRecordID: toRecordID, type: type)
        }

        static let example = New(toRecordID: Record.example.id, type: "works_at")
    }
}

struct RecordRelationshipList: APIModel {
    let items: [RecordRelationship]
    static let example = RecordRelationshipList(items: [.example])
}

/// A record taken out of one tool's view.
struct RecordDismissal: APIModel {
    let recordID: UUID
    let tool: String
    let dismissedAt: Date
    enum CodingKeys: String, CodingKey { case recordID = "record_id", tool, dismissedAt = "dismissed_at" }
    static let example = RecordDismissal(recordID: Record.example.id, tool: "recommendations", dismissedAt: Record.example.updatedAt)

    /// `tool` is required; it is checked after the record is found, so an id of another
    /// workspace answers 404 whatever the query.
    struct Query: QueryParameters {
        let tool: String?
    }
}
