import Foundation
import Logging
import PlatformCore

/// Insights: the rules that raise them (docs/crm.md), the list, dismiss and action.
struct InsightRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("insight_not_found", "No insight with this id in this workspace.")
    static let dismissed = AppError.conflict("insight_dismissed", "A dismissed insight cannot be actioned.")

    /// The `follow_up_needed` rule, run when insights or the dashboard are read: every active
    /// contact without an interaction (or, never contacted, since creation) for
    /// `RelationshipScore.followUpAfterDays` gets one — high priority past twice that — unless it
    /// has an open one or one was raised since its last interaction (so a dismissal holds until
    /// the contact is next contacted). Idempotent under concurrency (a unique index).
    func refreshRules() async throws {
        let days = RelationshipScore.followUpAfterDays
        try await db.execute("""
            INSERT INTO \(db.table("crm_insights")) (contact_id, insight_type, priority, title, description, suggested_action, source)
            SELECT c.id, 'follow_up_needed',
                   CASE WHEN c.last_seen < now() - make_interval(days => \(2 * days)::int) THEN 'high' ELSE 'medium' END,
                   left('Follow up with ' || c.full_name, 500),
                   CASE WHEN c.last_interaction_at IS NULL THEN 'Never contacted since being added '
                        ELSE 'No interaction for ' END || floor(extract(epoch FROM now() - c.last_seen) / 86400)::int || ' days.',
                   'Call or write to keep the relationship warm.', 'rules'
            FROM (SELECT id, full_name, last_interaction_at, coalesce(last_interaction_at, created_at) AS last_seen
                  FROM \(db.table("crm_contacts")) WHERE status = 'active') c
            WHERE c.last_seen < now() - make_interval(days => \(days)::int)
              AND NOT EXISTS (SELECT 1 FROM \(db.table("crm_insights")) i
                              WHERE i.contact_id = c.id AND i.insight_type = 'follow_up_needed' AND i.source = 'rules'
                                AND (i.status = 'open' OR i.created_at >= c.last_seen))
            ON CONFLICT (contact_id, insight_type) WHERE status = 'open' AND source = 'rules' DO NOTHING
            """, logger: logger)
    }

    /// After an interaction: a contact contacted within the threshold has its open
    /// `follow_up_needed` resolved; a negative interaction leaving the score below
    /// `RelationshipScore.atRiskBelow` raises `relationship_at_risk`. Answers what it raised.
    func afterInteraction(_ contact: Contact, sentiment: Sentiment, on transaction: some TenantQueryable) async throws -> [CRMInsight] {
        if let last = contact.lastInteractionAt, Date().timeIntervalSince(last) < Double(RelationshipScore.followUpAfterDays) * 86_400 {
            try await transaction.execute("""
                UPDATE \(transaction.table("crm_insights")) SET status = 'resolved', updated_at = now()
                WHERE contact_id = \(contact.id) AND insight_type = 'follow_up_needed' AND source = 'rules' AND status = 'open'
                """, logger: logger)
        }
        guard sentiment == .negative, contact.relationshipScore < RelationshipScore.atRiskBelow else { return [] }
        return try await transaction.all(CRMInsight.self, """
            INSERT INTO \(transaction.table("crm_insights")) (contact_id, insight_type, priority, title, description, suggested_action, source)
            VALUES (\(contact.id), 'relationship_at_risk', 'high', \(String("Relationship with \(contact.fullName) at risk".prefix(500))),
                    \("A negative interaction left the relationship score at \(contact.relationshipScore)."),
                    'Talk it through soon, in person or by phone.', 'rules')
            ON CONFLICT (contact_id, insight_type) WHERE status = 'open' AND source = 'rules' DO NOTHING
            RETURNING \(CRMInsight.columns)
            """, logger: logger)
    }

    /// Insights the model raised from an analysis (opportunities and risks), one per sentence.
    func addFromAnalysis(_ contact: Contact, opportunities: [String], risks: [String]) async throws -> [CRMInsight] {
        let items = opportunities.prefix(5).map { (InsightType.opportunity, Priority.medium, $0) } + risks.prefix(5).map { (InsightType.risk, Priority.high, $0) }
        let cleaned = items.map { ($0.0, $0.1, $0.2.trimmingCharacters(in: .whitespacesAndNewlines)) }.filter { !$0.2.isEmpty }
        guard !cleaned.isEmpty else { return [] }
        return try await db.all(CRMInsight.self, """
            INSERT INTO \(db.table("crm_insights")) (contact_id, insight_type, priority, title, description, source)
            SELECT \(contact.id), t.type, t.priority, t.title, t.description, 'ai'
            FROM unnest(\(cleaned.map(\.0.rawValue))::text[], \(cleaned.map(\.1.rawValue))::text[],
                        \(cleaned.map { String($0.2.prefix(500)) })::text[], \(cleaned.map { String($0.2.prefix(5000)) })::text[])
                 AS t(type, priority, title, description)
            RETURNING \(CRMInsight.columns)
            """, logger: logger)
    }

    func list(_ query: InsightListQuery) async throws -> ListResponse<CRMInsight> {
        try await refreshRules()
        var conditions: [SQLFragment] = [query.includeDismissed == true ? "true" : "status IN ('open', 'actioned')"]
        if let priorities = query.priority, !priorities.isEmpty { conditions.append("priority = ANY(\(priorities.map(\.rawValue)))") }
        if let types = query.insightType, !types.isEmpty { conditions.append("insight_type = ANY(\(types.map(\.rawValue)))") }
        if let contact = query.contactID { conditions.append("contact_id = \(contact)") }
        return try await db.list(CRMInsight.self, "FROM \(db.table("crm_insights")) WHERE \(SQLFragment(joining: conditions, separator: "AND"))",
                                 orderBy: "\(Priority.rankSQL), created_at DESC, id DESC", page: query.page, logger: logger)
    }

    func dismiss(_ id: UUID) async throws -> CRMInsight {
        try await db.first(CRMInsight.self, """
            UPDATE \(db.table("crm_insights"))
            SET status = 'dismissed', decided_by = \(context.memberID), decided_at = coalesce(decided_at, now()), updated_at = now()
            WHERE id = \(id) RETURNING \(CRMInsight.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func action(_ id: UUID, taken: String?) async throws -> CRMInsight {
        let updated = try await db.first(CRMInsight.self, """
            UPDATE \(db.table("crm_insights"))
            SET status = 'actioned', action_taken = coalesce(\(taken), action_taken), decided_by = \(context.memberID), decided_at = now(), updated_at = now()
            WHERE id = \(id) AND status <> 'dismissed' RETURNING \(CRMInsight.columns)
            """, logger: logger)
        if let updated { return updated }
        let exists = try await db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(db.table("crm_insights")) WHERE id = \(id))", logger: logger) ?? false
        throw exists ? Self.dismissed : Self.notFound
    }
}
