import Foundation
import PlatformCore

/// A piece of trackable work inside a channel.
struct ChannelTask: APIModel, TableRow {
    enum Status: String, SchemaEnum { case todo, inProgress = "in_progress", blocked, completed, cancelled }

    let id: UUID
    let channelID: UUID
    let title: String
    let description: String
    let status: Status
    let priority: Channel.Priority
    let assignedTo: UUID?
    let dueAt: Date?
    let completedAt: Date?
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, channelID = "channel_id", title, description, status, priority, assignedTo = "assigned_to", dueAt = "due_at"
        case completedAt = "completed_at", createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "channel_id", "title", "description", "status", "priority", "assigned_to", "due_at", "completed_at", "created_by", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        channelID = try row("channel_id")
        title = try row("title")
        description = try row("description")
        status = try row("status")
        priority = try row("priority")
        assignedTo = try row("assigned_to")
        dueAt = try row("due_at")
        completedAt = try row("completed_at")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    init(id: UUID, channelID: UUID, title: String, status: Status, assignedTo: UUID?, createdAt: Date) {
        (self.id, self.channelID, self.title, self.description, self.status, self.priority) = (id, channelID, title, "", status, .medium)
        (self.assignedTo, self.dueAt, self.completedAt, self.createdBy, self.createdAt, self.updatedAt) = (assignedTo, nil, nil, assignedTo, createdAt, createdAt)
    }

    static let example = ChannelTask(
        id: UUID(uuidString: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")!, channelID: Channel.example.id, title: "Draft the release notes",
        status: .todo, assignedTo: TeamMember.example.memberID, createdAt: Date(timeIntervalSince1970: 1_790_000_000))

    struct New: RequestBody, APIModel {
        var title: String
        var description: String?
        var status: Status?
        var priority: Channel.Priority?
        var assignedTo: UUID?
        var dueAt: Date?

        enum CodingKeys: String, CodingKey { case title, description, status, priority, assignedTo = "assigned_to", dueAt = "due_at" }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.title = check.text(title, "title", length: 1...500)
            new.description = check.text(description ?? "", "description", length: 0...10_000)
            try check.finish("The task is invalid.")
            return new
        }

        static let example = New(title: "Draft the release notes", description: nil, status: nil, priority: .high, assignedTo: nil, dueAt: nil)
    }

    struct Change: RequestBody, APIModel {
        var title: Patch<String>
        var description: Patch<String>
        var status: Patch<Status>
        var priority: Patch<Channel.Priority>
        var assignedTo: Patch<UUID>
        var dueAt: Patch<Date>

        enum CodingKeys: String, CodingKey { case title, description, status, priority, assignedTo = "assigned_to", dueAt = "due_at" }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let value) = title { change.title = .value(check.text(value, "title", length: 1...500)) }
            if case .value(let value) = description { change.description = .value(check.text(value, "description", length: 0...10_000)) }
            for (field, isNull) in [("title", title == .null), ("status", status == .null), ("priority", priority == .null)] {
                check.require(!isNull, field, "must not be null")
            }
            try check.finish("The task change is invalid.")
            return change
        }

        static let example = Change(title: .absent, description: .absent, status: .value(.completed), priority: .absent, assignedTo: .absent, dueAt: .absent)
    }
}

struct ChannelTaskList: APIModel {
    let items: [ChannelTask]
    static let example = ChannelTaskList(items: [.example])
}

/// A line of a channel's activity log.
struct ChannelActivity: APIModel, TableRow {
    let id: UUID
    let channelID: UUID
    let actorID: UUID?
    let actorName: String?
    let action: String
    let targetType: String?
    let targetID: UUID?
    let details: JSONObject
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, channelID = "channel_id", actorID = "actor_id", actorName = "actor_name", action, targetType = "target_type", targetID = "target_id"
        case details, createdAt = "created_at"
    }

    static let columns: Columns = ["id", "channel_id", "actor_id", "actor_name", "action", "target_type", "target_id", "details", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        channelID = try row("channel_id")
        actorID = try row("actor_id")
        actorName = try row("actor_name")
        action = try row("action")
        targetType = try row("target_type")
        targetID = try row("target_id")
        details = try row("details")
        createdAt = try row("created_at")
    }

    init(id: UUID, channelID: UUID, actorID: UUID?, actorName: String?, action: String, targetType: String?, targetID: UUID?, createdAt: Date) {
        (self.id, self.channelID, self.actorID, self.actorName, self.action) = (id, channelID, actorID, actorName, action)
        (self.targetType, self.targetID, self.details, self.createdAt) = (targetType, targetID, JSONObject(), createdAt)
    }

    static let example = ChannelActivity(
        id: UUID(uuidString: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f")!, channelID: Channel.example.id, actorID: TeamMember.example.memberID,
        actorName: "Ada Lovelace", action: "task.created", targetType: "task", targetID: ChannelTask.example.id,
        createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

/// `POST …/records`: records to link (all must be visible to the caller, or none is linked).
struct ChannelRecordLinks: RequestBody, APIModel {
    let recordIDs: [UUID]

    enum CodingKeys: String, CodingKey { case recordIDs = "record_ids" }

    func validated() throws -> ChannelRecordLinks {
        var check = Validation()
        check.require((1...200).contains(recordIDs.count), "record_ids", "must name 1 to 200 records")
        try check.finish("The records to link are invalid.")
        return self
    }

    static let example = ChannelRecordLinks(recordIDs: [Record.example.id])
}

/// `GET …/records`: the linked records the caller may see, as the records API shows them.
struct LinkedRecord: APIModel {
    let record: Record
    let linkedBy: UUID?
    let linkedAt: Date

    enum CodingKeys: String, CodingKey { case record, linkedBy = "linked_by", linkedAt = "linked_at" }

    static let example = LinkedRecord(record: .example, linkedBy: TeamMember.example.memberID, linkedAt: Date(timeIntervalSince1970: 1_790_000_000))
}
