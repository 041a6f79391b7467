import Foundation
import Logging
import PlatformCore

/// CRM tasks: every member who may view contacts sees them all; `assigned_to_me` narrows.
struct TaskRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("task_not_found", "No CRM task with this id in this workspace.")
    static let alreadyCompleted = AppError.conflict("task_already_completed", "This task is completed already.")

    /// Tasks assigned to `member` (none when there is no member: a key whose creator left).
    static func assigned(to member: UUID?) -> SQLFragment {
        guard let member else { return "false" }
        return "assigned_to = \(member)"
    }

    /// Soonest due first (no due time last), then the most urgent.
    static let order: SQLFragment = "due_at ASC NULLS LAST, \(Priority.rankSQL), created_at, id"

    func list(_ query: TaskListQuery) async throws -> ListResponse<CRMTask> {
        var conditions: [SQLFragment] = []
        if let statuses = query.status, !statuses.isEmpty {
            conditions.append("status = ANY(\(statuses.map(\.rawValue)))")
        } else if query.includeCompleted != true {
            conditions.append("status NOT IN ('completed', 'cancelled')")
        }
        if let priorities = query.priority, !priorities.isEmpty { conditions.append("priority = ANY(\(priorities.map(\.rawValue)))") }
        if let contact = query.contactID { conditions.append("contact_id = \(contact)") }
        if query.assignedToMe == true { conditions.append(Self.assigned(to: context.memberID)) }
        let from: SQLFragment = "FROM \(db.table("crm_tasks")) WHERE \(SQLFragment(joining: conditions, separator: "AND", empty: "true"))"
        return try await db.list(CRMTask.self, from, orderBy: Self.order, page: query.page, logger: logger)
    }

    func find(_ id: UUID) async throws -> CRMTask {
        try await db.first(CRMTask.self, "SELECT \(CRMTask.columns) FROM \(db.table("crm_tasks")) WHERE id = \(id)", logger: logger).orNotFound(Self.notFound)
    }

    func create(_ new: CRMTask.New) async throws -> CRMTask {
        _ = try await ContactRepository(context).find(new.contactID)
        try await ContactRepository.checkMember(new.assignedTo, "assigned_to", on: db, logger: logger)
        return try await db.first(CRMTask.self, """
            INSERT INTO \(db.table("crm_tasks")) (contact_id, title, description, task_type, priority, due_at, source, assigned_to, created_by)
            VALUES (\(new.contactID), \(new.title), \(new.description ?? ""), \((new.taskType ?? .followUp).rawValue), \((new.priority ?? .medium).rawValue),
                    \(new.dueAt), 'manual', \(new.assignedTo ?? context.memberID), \(context.memberID))
            RETURNING \(CRMTask.columns)
            """, logger: logger).orNotFound(ContactRepository.notFound)
    }

    func update(_ id: UUID, _ change: CRMTask.Change) async throws -> CRMTask {
        if case .value(let member) = change.assignedTo { try await ContactRepository.checkMember(member, "assigned_to", on: db, logger: logger) }
        var changes = Assignments()
        changes.set("title", change.title)
        changes.set("description", change.description)
        changes.set("task_type", change.taskType.map(\.rawValue))
        changes.set("priority", change.priority.map(\.rawValue))
        if case .value(let status) = change.status {
            changes.set("status", to: status.rawValue)
            let completed = status == .completed
            changes.set("completed_at", expression: completed ? "coalesce(completed_at, now())" : "NULL")
            changes.set("completed_by", expression: completed ? "coalesce(completed_by, \(context.memberID))" : "NULL")
        }
        changes.set("due_at", change.dueAt)
        changes.set("assigned_to", change.assignedTo)
        changes.setNow("updated_at")
        return try await db.first(CRMTask.self, "UPDATE \(db.table("crm_tasks")) SET \(changes) WHERE id = \(id) RETURNING \(CRMTask.columns)",
                                  logger: logger).orNotFound(Self.notFound)
    }

    func complete(_ id: UUID, _ completion: TaskCompletion) async throws -> CRMTask {
        let outcome = completion.outcome?.trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = completion.outcomeNotes?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (outcome ?? "").count <= 200 else { throw AppError.invalidQuery("outcome must be at most 200 characters.") }
        guard (notes ?? "").count <= 10_000 else { throw AppError.invalidQuery("outcome_notes must be at most 10,000 characters.") }
        let updated = try await db.first(CRMTask.self, """
            UPDATE \(db.table("crm_tasks"))
            SET status = 'completed', completed_at = now(), completed_by = \(context.memberID), outcome = \(outcome.flatMap { $0.isEmpty ? nil : $0 }),
                outcome_notes = \(notes.flatMap { $0.isEmpty ? nil : $0 }), updated_at = now()
            WHERE id = \(id) AND status <> 'completed' RETURNING \(CRMTask.columns)
            """, logger: logger)
        if let updated { return updated }
        _ = try await find(id)
        throw Self.alreadyCompleted
    }
}

extension Patch {
    func map<T>(_ transform: (Value) -> T) -> Patch<T> {
        switch self {
        case .absent: .absent
        case .null: .null
        case .value(let value): .value(transform(value))
        }
    }
}
