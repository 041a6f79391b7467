import Foundation
import Logging
import PlatformCore

/// `GET /crm/dashboard`: the workspace's CRM in numbers, and the caller's own due tasks.
struct CRMDashboard: APIModel {
    struct Contacts: APIModel, Row {
        /// Not archived.
        let total: Int
        let active: Int
        let archived: Int
        let newLast30Days: Int
        let neverContacted: Int
        /// Over active contacts; nil when there are none.
        let averageRelationshipScore: Double?

        enum CodingKeys: String, CodingKey {
            case total, active, archived, newLast30Days = "new_last_30_days", neverContacted = "never_contacted"
            case averageRelationshipScore = "average_relationship_score"
        }

        init(row: RowReader) throws {
            total = try row("total")
            active = try row("active")
            archived = try row("archived")
            newLast30Days = try row("new_last_30_days")
            neverContacted = try row("never_contacted")
            averageRelationshipScore = try row("average_relationship_score")
        }

        init(total: Int, active: Int, archived: Int, newLast30Days: Int, neverContacted: Int, averageRelationshipScore: Double?) {
            (self.total, self.active, self.archived, self.newLast30Days, self.neverContacted) = (total, active, archived, newLast30Days, neverContacted)
            self.averageRelationshipScore = averageRelationshipScore
        }

        static let example = Contacts(total: 120, active: 112, archived: 9, newLast30Days: 14, neverContacted: 6, averageRelationshipScore: 52.4)
    }

    struct Tasks: APIModel, Row {
        /// Not completed or cancelled.
        let open: Int
        let overdue: Int
        /// Due before the end of today (UTC), overdue included.
        let dueToday: Int
        let completedLast7Days: Int

        enum CodingKeys: String, CodingKey { case open, overdue, dueToday = "due_today", completedLast7Days = "completed_last_7_days" }

        init(row: RowReader) throws {
            open = try row("open")
            overdue = try row("overdue")
            dueToday = try row("due_today")
            completedLast7Days = try row("completed_last_7_days")
        }

        init(open: Int, overdue: Int, dueToday: Int, completedLast7Days: Int) {
            (self.open, self.overdue, self.dueToday, self.completedLast7Days) = (open, overdue, dueToday, completedLast7Days)
        }

        static let example = Tasks(open: 31, overdue: 4, dueToday: 7, completedLast7Days: 18)
    }

    struct Counts: Row {
        let interactions: Int
        let openInsights: Int
        let urgentInsights: Int
        let pendingProposals: Int

        init(row: RowReader) throws {
            interactions = try row("interactions")
            openInsights = try row("open_insights")
            urgentInsights = try row("urgent_insights")
            pendingProposals = try row("pending_proposals")
        }
    }

    let contacts: Contacts
    let interactionsLast30Days: Int
    /// Everyone's tasks.
    let tasks: Tasks
    /// The caller's: assigned to them (a key: to its creator).
    let myTasks: Tasks
    /// The caller's open tasks overdue or due within 7 days, soonest first (at most 20).
    let myDueTasks: [CRMTask]
    let openInsights: Int
    /// Open insights of high or urgent priority.
    let urgentInsights: Int
    let pendingProposals: Int
    /// The five active contacts longest without contact.
    let needsAttention: [Contact]

    enum CodingKeys: String, CodingKey {
        case contacts, interactionsLast30Days = "interactions_last_30_days", tasks, myTasks = "my_tasks", myDueTasks = "my_due_tasks"
        case openInsights = "open_insights", urgentInsights = "urgent_insights", pendingProposals = "pending_proposals"
        case needsAttention = "needs_attention"
    }

    static let example = CRMDashboard(
        contacts: .example, interactionsLast30Days: 86, tasks: .example, myTasks: Tasks(open: 6, overdue: 1, dueToday: 2, completedLast7Days: 5),
        myDueTasks: [.example], openInsights: 9, urgentInsights: 2, pendingProposals: 3, needsAttention: [.example])

    static func load(_ context: TenantContext) async throws -> CRMDashboard {
        let db = context.db, logger = context.logger
        try await InsightRepository(context).refreshRules()
        let contacts = try await db.first(Contacts.self, """
            SELECT count(*) FILTER (WHERE status <> 'archived')::int AS total, count(*) FILTER (WHERE status = 'active')::int AS active,
                   count(*) FILTER (WHERE status = 'archived')::int AS archived,
                   count(*) FILTER (WHERE status <> 'archived' AND created_at >= now() - interval '30 days')::int AS new_last_30_days,
                   count(*) FILTER (WHERE status <> 'archived' AND last_interaction_at IS NULL)::int AS never_contacted,
                   (avg(relationship_score) FILTER (WHERE status = 'active'))::float8 AS average_relationship_score
            FROM \(db.table("crm_contacts"))
            """, logger: logger)!
        func tasks(_ mine: Bool) async throws -> Tasks {
            let who: SQLFragment = mine ? TaskRepository.assigned(to: context.memberID) : "true"
            return try await db.first(Tasks.self, try """
                SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'cancelled'))::int AS open,
                       count(*) FILTER (WHERE status NOT IN ('completed', 'cancelled') AND due_at < now())::int AS overdue,
                       count(*) FILTER (WHERE status NOT IN ('completed', 'cancelled')
                                        AND due_at < date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day')::int AS due_today,
                       count(*) FILTER (WHERE status = 'completed' AND completed_at >= now() - interval '7 days')::int AS completed_last_7_days
                FROM \(db.table("crm_tasks")) WHERE \(who)
                """, logger: logger)!
        }
        let counts = try await db.first(Counts.self, """
            SELECT (SELECT count(*) FROM \(db.table("crm_interactions")) WHERE occurred_at >= now() - interval '30 days')::int AS interactions,
                   (SELECT count(*) FROM \(db.table("crm_insights")) WHERE status = 'open')::int AS open_insights,
                   (SELECT count(*) FROM \(db.table("crm_insights")) WHERE status = 'open' AND priority IN ('high', 'urgent'))::int AS urgent_insights,
                   (SELECT count(*) FROM \(db.table("crm_proposals")) WHERE status = 'pending')::int AS pending_proposals
            """, logger: logger)!
        let due = try await db.all(CRMTask.self, try """
            SELECT \(CRMTask.columns) FROM \(db.table("crm_tasks"))
            WHERE \(TaskRepository.assigned(to: context.memberID)) AND status NOT IN ('completed', 'cancelled')
              AND due_at < now() + interval '7 days'
            ORDER BY \(TaskRepository.order) LIMIT 20
            """, logger: logger)
        let attention = try await db.all(Contact.self, try """
            SELECT \(Contact.columns) FROM \(db.table("crm_contacts")) c WHERE c.status = 'active'
            ORDER BY \(ContactSort.daysSinceContact.orderBy(.desc)) LIMIT 5
            """, logger: logger)
        return CRMDashboard(
            contacts: contacts, interactionsLast30Days: counts.interactions, tasks: try await tasks(false), myTasks: try await tasks(true),
            myDueTasks: due, openInsights: counts.openInsights, urgentInsights: counts.urgentInsights, pendingProposals: counts.pendingProposals,
            needsAttention: attention)
    }
}
