import Foundation
import Logging
import PlatformCore

/// Interactions, and what logging one does to its contact (docs/crm.md): the score formula, the
/// last-interaction time, the model's suggested tasks, and the insight rules.
struct InteractionRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    func list(contact id: UUID, _ page: Page) async throws -> ListResponse<Interaction> {
        _ = try await ContactRepository(context).find(id)
        return try await db.list(Interaction.self, "FROM \(db.table("crm_interactions")) WHERE contact_id = \(id)",
                                 orderBy: "occurred_at DESC, id DESC", page: page, logger: logger)
    }

    /// Logs it in one transaction with the contact locked, so two interactions logged at once both
    /// count. `analysis` is the model's reading when one was made.
    func log(_ new: Interaction.New, analysis: InteractionAnalysis?, aiError: String?) async throws -> LoggedInteraction {
        let occurred = new.occurredAt ?? Date()
        let sentiment = new.sentiment ?? analysis?.sentiment ?? .neutral
        var check = Validation()
        let actionItems = Interaction.cleanItems((new.actionItems ?? []) + (analysis?.actionItems ?? []), "action_items", &check).prefix(20)
        let topics = Interaction.cleanItems(analysis?.keyTopics ?? [], "key_topics", &check).prefix(20).map { String($0.prefix(100)) }
        return try await db.transaction(logger: logger) { transaction in
            let contact = try await ContactRepository(context).find(new.contactID, on: transaction, forUpdate: true)
            let score = RelationshipScore.after(
                score: contact.relationshipScore, previous: contact.lastInteractionAt, type: new.interactionType, sentiment: sentiment, at: occurred)
            let interaction = try await transaction.first(Interaction.self, """
                INSERT INTO \(transaction.table("crm_interactions"))
                    (contact_id, interaction_type, direction, subject, content, occurred_at, duration_minutes, sentiment, key_topics, action_items,
                     score_before, score_after, analyzed_by, logged_by)
                VALUES (\(contact.id), \(new.interactionType.rawValue), \(new.direction?.rawValue), \(new.subject ?? ""), \(new.content ?? ""),
                        \(occurred), \(new.durationMinutes), \(sentiment.rawValue), \(Array(topics)), \(actionItems.map { String($0.prefix(500)) }),
                        \(contact.relationshipScore), \(score), \(analysis == nil ? "rules" : "ai"), \(context.memberID))
                RETURNING \(Interaction.columns)
                """, logger: logger).orNotFound(ContactRepository.notFound)
            let updated = try await transaction.first(Contact.self, """
                UPDATE \(transaction.table("crm_contacts"))
                SET relationship_score = \(score), score_source = 'rules', last_interaction_at = greatest(last_interaction_at, \(occurred)), updated_at = now()
                WHERE id = \(contact.id) RETURNING \(Contact.columns)
                """, logger: logger).orNotFound(ContactRepository.notFound)
            var tasks: [CRMTask] = []
            for suggestion in (analysis?.suggestedTasks ?? []).prefix(3) {
                let title = suggestion.title.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !title.isEmpty else { continue }
                let due = Date().addingTimeInterval(Double(min(90, max(1, suggestion.dueInDays ?? 3))) * 86_400)
                if let task = try await transaction.first(CRMTask.self, """
                    INSERT INTO \(transaction.table("crm_tasks"))
                        (contact_id, interaction_id, title, task_type, priority, due_at, source, assigned_to, created_by)
                    VALUES (\(contact.id), \(interaction.id), \(String(title.prefix(500))), 'follow_up', \((suggestion.priority ?? .medium).rawValue),
                            \(due), 'ai', \(contact.ownerID ?? context.memberID), \(context.memberID))
                    RETURNING \(CRMTask.columns)
                    """, logger: logger) { tasks.append(task) }
            }
            let insights = try await InsightRepository(context).afterInteraction(updated, sentiment: sentiment, on: transaction)
            return LoggedInteraction(interaction: interaction, contact: updated, suggestedTasks: tasks, insights: insights, aiError: aiError)
        }
    }
}
