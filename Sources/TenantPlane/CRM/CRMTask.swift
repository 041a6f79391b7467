import Foundation
import PlatformCore

enum TaskStatus: String, SchemaEnum { case todo, inProgress = "in_progress", blocked, completed, cancelled }
enum TaskType: String, SchemaEnum { case followUp = "follow_up", call, email, meeting, todo, other }
/// `manual`, the follow-up rule of a new contact (`rules`), or suggested by the model (`ai`).
enum TaskSource: String, SchemaEnum { case manual, rules, ai }

/// A CRM task: something to do about a contact, assigned to a member, with a due time.
struct CRMTask: APIModel, TableRow {
    let id: UUID
    let contactID: UUID
    /// The interaction whose analysis suggested it.
    let interactionID: UUID?
    let title: String
    let description: String
    let taskType: TaskType
    let priority: Priority
    let status: TaskStatus
    let dueAt: Date?
    let source: TaskSource
    let assignedTo: UUID?
    let outcome: String?
    let outcomeNotes: String?
    let completedAt: Date?
    let completedBy: UUID?
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    /// Open and past its due time.
    let isOverdue: Bool

    enum CodingKeys: String, CodingKey {
        case id, contactID = "contact_id", interactionID = "interaction_id", title, description, taskType = "task_type", priority, status
        case dueAt = "due_at", source, assignedTo = "assigned_to", outcome, outcomeNotes = "outcome_notes", completedAt = "completed_at"
        case completedBy = "completed_by", createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at", isOverdue = "is_overdue"
    }

    static let columns: Columns = [
        "id", "contact_id", "interaction_id", "title", "description", "task_type", "priority", "status", "due_at", "source", "assigned_to", "outcome",
        "outcome_notes", "completed_at", "completed_by", "created_by", "created_at", "updated_at",
    ]

    var isOpen: Bool { status != .completed && status != .cancelled }

    init(row: RowReader) throws {
        id = try row("id")
        contactID = try row("contact_id")
        interactionID = try row("interaction_id")
        title = try row("title")
        description = try row("description")
        taskType = try row("task_type")
        priority = try row("priority")
        status = try row("status")
        dueAt = try row("due_at")
        source = try row("source")
        assignedTo = try row("assigned_to")
        outcome = try row("outcome")
        outcomeNotes = try row("outcome_notes")
        completedAt = try row("completed_at")
        completedBy = try row("completed_by")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
        isOverdue = status != .completed && status != .cancelled && (dueAt.map { $0 < Date() } ?? false)
    }

    private init(example: Void) {
        id = CRMExamples.taskID
        contactID = CRMExamples.contactID
        interactionID = nil
        title = "Follow up with Ada Lovelace"
        description = ""
        taskType = .followUp
        priority = .medium
        status = .todo
        dueAt = CRMExamples.date.addingTimeInterval(7 * 86_400)
        source = .rules
        assignedTo = CRMExamples.memberID
        outcome = nil
        outcomeNotes = nil
        completedAt = nil
        completedBy = nil
        createdBy = CRMExamples.memberID
        createdAt = CRMExamples.date
        updatedAt = CRMExamples.date
        isOverdue = false
    }

    static let example = CRMTask(example: ())

    /// `POST /crm/tasks`: a manual task for a contact, assigned to the caller unless `assigned_to` says otherwise.
    struct New: RequestBody, APIModel {
        var contactID: UUID
        var title: String
        var description: String?
        var taskType: TaskType?
        var priority: Priority?
        var dueAt: Date?
        /// A member of the workspace.
        var assignedTo: UUID?

        enum CodingKeys: String, CodingKey {
            case contactID = "contact_id", title, description, taskType = "task_type", priority, dueAt = "due_at", assignedTo = "assigned_to"
        }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.title = check.text(title, "title", length: 1...500)
            new.description = check.text(description ?? "", "description", length: 0...10_000)
            try check.finish("The task is invalid.")
            return new
        }

        static let example = New(
            contactID: CRMExamples.contactID, title: "Send the Elm Street numbers", description: nil, taskType: .email, priority: .high,
            dueAt: CRMExamples.date.addingTimeInterval(2 * 86_400), assignedTo: nil)
    }

    /// PUT: a task's fields (its contact stays).
    struct Replacement: RequestBody, APIModel {
        var title: String
        var description: String?
        var taskType: TaskType?
        var priority: Priority?
        var status: TaskStatus?
        var dueAt: Date?
        var assignedTo: UUID?

        enum CodingKeys: String, CodingKey {
            case title, description, taskType = "task_type", priority, status, dueAt = "due_at", assignedTo = "assigned_to"
        }

        func validated() throws -> Replacement {
            var check = Validation()
            var replacement = self
            replacement.title = check.text(title, "title", length: 1...500)
            replacement.description = check.text(description ?? "", "description", length: 0...10_000)
            try check.finish("The task is invalid.")
            return replacement
        }

        var change: Change {
            Change(title: .value(title), description: .value(description ?? ""), taskType: .value(taskType ?? .followUp),
                   priority: .value(priority ?? .medium), status: .value(status ?? .todo), dueAt: dueAt.map(Patch.value) ?? .null,
                   assignedTo: assignedTo.map(Patch.value) ?? .null)
        }

        static let example = Replacement(
            title: "Send the Elm Street numbers", description: "With the rent roll.", taskType: .email, priority: .urgent, status: .inProgress,
            dueAt: CRMExamples.date.addingTimeInterval(86_400), assignedTo: nil)
    }

    /// PATCH: the fields sent. Setting `status` to `completed` completes it (as `…/complete` does,
    /// without an outcome); any other status reopens it.
    struct Change: RequestBody, APIModel {
        var title: Patch<String> = .absent
        var description: Patch<String> = .absent
        var taskType: Patch<TaskType> = .absent
        var priority: Patch<Priority> = .absent
        var status: Patch<TaskStatus> = .absent
        var dueAt: Patch<Date> = .absent
        var assignedTo: Patch<UUID> = .absent

        enum CodingKeys: String, CodingKey {
            case title, description, taskType = "task_type", priority, status, dueAt = "due_at", assignedTo = "assigned_to"
        }

        init(title: Patch<String> = .absent, description: Patch<String> = .absent, taskType: Patch<TaskType> = .absent,
             priority: Patch<Priority> = .absent, status: Patch<TaskStatus> = .absent, dueAt: Patch<Date> = .absent,
             assignedTo: Patch<UUID> = .absent) {
            (self.title, self.description, self.taskType, self.priority) = (title, description, taskType, priority)
            (self.status, self.dueAt, self.assignedTo) = (status, dueAt, assignedTo)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decode(Patch<String>.self, forKey: .title)
            description = try c.decode(Patch<String>.self, forKey: .description)
            taskType = try c.decode(Patch<TaskType>.self, forKey: .taskType)
            priority = try c.decode(Patch<Priority>.self, forKey: .priority)
            status = try c.decode(Patch<TaskStatus>.self, forKey: .status)
            dueAt = try c.decode(Patch<Date>.self, forKey: .dueAt)
            assignedTo = try c.decode(Patch<UUID>.self, forKey: .assignedTo)
        }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let title) = title { change.title = .value(check.text(title, "title", length: 1...500)) }
            if case .value(let text) = description { change.description = .value(check.text(text, "description", length: 0...10_000)) }
            change.description = change.description.clearingTo("")
            for (patch, field) in [(title != .null, "title"), (taskType != .null, "task_type"), (priority != .null, "priority"), (status != .null, "status")] {
                check.require(patch, field, "must not be null")
            }
            try check.finish("The task change is invalid.")
            return change
        }

        static let example = Change(priority: .value(.high), status: .value(.inProgress), dueAt: .value(CRMExamples.date.addingTimeInterval(86_400)))
    }
}

/// `GET /crm/tasks`: by default the open ones (not completed or cancelled), soonest due first.
struct TaskListQuery: QueryParameters {
    let page: Page
    let status: [TaskStatus]?
    let priority: [Priority]?
    let contactID: UUID?
    /// Only the tasks assigned to the caller (for an API key: to its creator).
    let assignedToMe: Bool?
    /// Also completed and cancelled tasks (implied by a `status` filter naming them).
    let includeCompleted: Bool?

    enum CodingKeys: String, CodingKey {
        case page, status, priority, contactID = "contact_id", assignedToMe = "assigned_to_me", includeCompleted = "include_completed"
    }
}

/// `POST /crm/tasks/{id}/complete?outcome=&outcome_notes=`.
struct TaskCompletion: QueryParameters {
    /// A short result (`reached`, `no_answer`, `meeting_booked`, …), at most 200 characters.
    let outcome: String?
    let outcomeNotes: String?
    enum CodingKeys: String, CodingKey { case outcome, outcomeNotes = "outcome_notes" }
}
