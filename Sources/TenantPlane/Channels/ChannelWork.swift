import Foundation
import Logging
import PlatformCore

/// The work around a channel's talk: its tasks, the records linked to it (each shown only to
/// those who may see it), and the activity log.
struct ChannelWork {
    let channels: ChannelRepository
    let records: RecordRepository
    var db: TenantDatabase { channels.db }
    var logger: Logger { channels.logger }

    init(_ context: TenantContext) {
        channels = ChannelRepository(context)
        records = RecordRepository(context)
    }

    static let taskNotFound = AppError.notFound("task_not_found", "No task with this id in this channel.")
    static let taskDenied = AppError.forbidden("task_delete_denied", "Only a task's creator and the channel's admins can delete it.")
    static let linkNotFound = AppError.notFound("link_not_found", "This record is not linked to this channel.")
    static let unknownAssignee = AppError.validation("Assign the task to an active member.", fields: ["assigned_to": "is not an active member"])

    // MARK: Tasks

    func tasks(_ key: ChannelKey) async throws -> [ChannelTask] {
        let channel = try await channels.require(key).channel
        return try await db.all(ChannelTask.self, """
            SELECT \(ChannelTask.columns) FROM \(db.table("channel_tasks")) WHERE channel_id = \(channel.id) ORDER BY created_at, id
            """, logger: logger)
    }

    func createTask(_ key: ChannelKey, _ new: ChannelTask.New) async throws -> ChannelTask {
        let channel = try await channels.requirePoster(key).channel
        try await channels.requireActive(new.assignedTo.map { [$0] } ?? [], Self.unknownAssignee)
        let id = UUID()
        let status = new.status ?? .todo
        let actor = channels.access.member
        let task = try await db.first(ChannelTask.self, try """
            WITH t AS (INSERT INTO \(db.table("channel_tasks")) (id, channel_id, title, description, status, priority, assigned_to, due_at, completed_at, created_by)
                       VALUES (\(id), \(channel.id), \(new.title), \(new.description ?? ""), \(status.rawValue), \((new.priority ?? .medium).rawValue),
                               \(new.assignedTo), \(new.dueAt), CASE WHEN \(status == .completed) THEN now() END, \(actor))
                       RETURNING *),
                 \(channels.change(channel.id).activity("task.created", actor: actor, target: ("task", id), details: JSONObject(["title": .string(new.title)])))
            SELECT \(ChannelTask.columns) FROM t
            """, logger: logger)
        return task!
    }

    func updateTask(_ key: ChannelKey, _ id: UUID, _ change: ChannelTask.Change) async throws -> ChannelTask {
        let channel = try await channels.requirePoster(key).channel
        if case .value(let assignee) = change.assignedTo { try await channels.requireActive([assignee], Self.unknownAssignee) }
        var changes = Assignments()
        changes.set("title", change.title)
        changes.set("description", change.description.clearingTo(""))
        if case .value(let priority) = change.priority { changes.set("priority", to: priority.rawValue) }
        changes.set("assigned_to", change.assignedTo)
        changes.set("due_at", change.dueAt)
        if case .value(let status) = change.status {
            changes.set("status", to: status.rawValue)
            changes.set("completed_at", expression: status == .completed ? "coalesce(completed_at, now())" : "NULL")
        }
        changes.setNow("updated_at")
        let actor = channels.access.member
        let action = change.status == .value(.completed) ? "task.completed" : "task.updated"
        let task = try await db.first(ChannelTask.self, try """
            WITH t AS (UPDATE \(db.table("channel_tasks")) SET \(changes) WHERE id = \(id) AND channel_id = \(channel.id) RETURNING *),
                 \(channels.change(channel.id).activity(action, actor: actor, target: ("task", id), when: "EXISTS (SELECT 1 FROM t)"))
            SELECT \(ChannelTask.columns) FROM t
            """, logger: logger)
        return try task.orNotFound(Self.taskNotFound)
    }

    func deleteTask(_ key: ChannelKey, _ id: UUID) async throws {
        let found = try await channels.require(key)
        let channel = found.channel
        let actor = channels.access.member
        let manager = channels.canManage(found)
        let outcome = try await db.value(String.self, try """
            WITH t AS (SELECT id, created_by FROM \(db.table("channel_tasks")) WHERE id = \(id) AND channel_id = \(channel.id)),
                 gone AS (DELETE FROM \(db.table("channel_tasks")) WHERE id IN (SELECT id FROM t WHERE \(manager) OR created_by = \(actor)) RETURNING id),
                 \(channels.change(channel.id).activity("task.deleted", actor: actor, target: ("task", id), when: "EXISTS (SELECT 1 FROM gone)"))
            SELECT CASE WHEN EXISTS (SELECT 1 FROM gone) THEN 'deleted' WHEN EXISTS (SELECT 1 FROM t) THEN 'denied' ELSE 'missing' END
            """, logger: logger)
        switch outcome {
        case "deleted": return
        case "denied": throw Self.taskDenied
        default: throw Self.taskNotFound
        }
    }

    // MARK: Records

    /// The linked records the caller may see (by the recordset ACL), in the order they were linked.
    func linkedRecords(_ key: ChannelKey, page: Page) async throws -> ListResponse<LinkedRecord> {
        let channel = try await channels.require(key).channel
        let rows = try await db.all(LinkedRecordRow.self, try """
            SELECT r.*, l.added_by AS linked_by, l.created_at AS linked_at, count(*) OVER ()::int AS _total
            FROM \(db.table("channel_records")) l
            JOIN \(db.table("records")) r ON r.id = l.record_id AND r.deleted_at IS NULL
            JOIN \(db.table("recordsets")) rs ON rs.id = r.recordset_id AND rs.deleted_at IS NULL
            WHERE l.channel_id = \(channel.id) AND \(records.access.visible(in: db))
            ORDER BY l.created_at, r.id LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger)
        return ListResponse(items: rows.map(\.linked), total: rows.first?.total ?? 0, page: page)
    }

    /// Links records the caller may see; all or none. Linking one again changes nothing.
    func link(_ key: ChannelKey, _ ids: [UUID]) async throws -> ListResponse<LinkedRecord> {
        let channel = try await channels.requirePoster(key).channel
        let wanted = Array(Set(ids))
        let visible = Set(try await records.accessible(wanted, on: db).filter(\.levels.canView).map(\.record.id))
        let refused = wanted.filter { !visible.contains($0) }
        guard refused.isEmpty else {
            throw RecordRepository.refusal(refused.map { ["id": .string($0.uuidString.lowercased()), "reason": "not_found"] }, code: "", "linked")
        }
        let actor = channels.access.member
        try await db.execute(try """
            WITH linked AS (INSERT INTO \(db.table("channel_records")) (channel_id, record_id, added_by)
                            SELECT \(channel.id), x, \(actor) FROM unnest(\(wanted)::uuid[]) x
                            ON CONFLICT DO NOTHING RETURNING record_id),
                 \(channels.change(channel.id).activity("records.linked", actor: actor, details: JSONObject(["count": .number(Double(wanted.count))]),
                                                        when: "EXISTS (SELECT 1 FROM linked)"))
            SELECT record_id FROM linked
            """, logger: logger)
        return try await linkedRecords(.id(channel.id), page: Page(limit: Page.maximumLimit))
    }

    func unlink(_ key: ChannelKey, _ record: UUID) async throws {
        let channel = try await channels.requirePoster(key).channel
        let actor = channels.access.member
        let removed = try await db.execute(try """
            WITH gone AS (DELETE FROM \(db.table("channel_records")) WHERE channel_id = \(channel.id) AND record_id = \(record) RETURNING record_id),
                 \(channels.change(channel.id).activity("record.unlinked", actor: actor, target: ("record", record), when: "EXISTS (SELECT 1 FROM gone)"))
            SELECT record_id FROM gone
            """, logger: logger)
        guard removed == 1 else { throw Self.linkNotFound }
    }

    // MARK: Activity

    func activities(_ key: ChannelKey, page: Page) async throws -> ListResponse<ChannelActivity> {
        let channel = try await channels.require(key).channel
        return try await db.list(ChannelActivity.self, """
            FROM (SELECT a.*, (SELECT coalesce(nullif(m.full_name, ''), m.email) FROM \(db.table("members")) m WHERE m.id = a.actor_id) AS actor_name
                  FROM \(db.table("channel_activities")) a WHERE a.channel_id = \(channel.id)) a
            """, orderBy: "a.created_at DESC, a.id DESC", page: page, logger: logger)
    }
}

private struct LinkedRecordRow: Row {
    let linked: LinkedRecord
    let total: Int

    init(row: RowReader) throws {
        linked = LinkedRecord(record: try Record(row: row), linkedBy: try row("linked_by"), linkedAt: try row("linked_at"))
        total = try row("_total")
    }
}
