import Foundation
import Logging
import PlatformCore

/// Contacts of the workspace. Every member who may view contacts sees all of them (owners are an
/// attribute, not an access rule); what hangs off a contact from elsewhere (records) is filtered
/// by that thing's own access rule.
struct ContactRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("contact_not_found", "No contact with this id in this workspace.")

    // MARK: Reading

    func list(_ query: ContactListQuery) async throws -> ListResponse<Contact> {
        var conditions: [SQLFragment] = []
        if let statuses = query.status, !statuses.isEmpty {
            conditions.append("c.status = ANY(\(statuses.map(\.rawValue)))")
        } else {
            conditions.append("c.status <> 'archived'")
        }
        if let types = query.contactType, !types.isEmpty { conditions.append("c.contact_type = ANY(\(types.map { $0.lowercased() }))") }
        if let owner = query.ownerID { conditions.append("c.owner_id = \(owner)") }
        if let company = Self.trimmed(query.company) { conditions.append("lower(c.company) = lower(\(company))") }
        if let city = Self.trimmed(query.city) { conditions.append("lower(c.city) = lower(\(city))") }
        if let state = Self.trimmed(query.state) { conditions.append("lower(c.state) = lower(\(state))") }
        if let tags = query.tags, !tags.isEmpty { conditions.append("c.tags && \(tags)") }
        if let tsquery = try Self.tsquery(query.search) { conditions.append("c.search @@ to_tsquery('simple'::regconfig, \(tsquery))") }
        let sort = query.sortBy ?? .updatedAt
        let from: SQLFragment = "FROM \(db.table("crm_contacts")) c WHERE \(SQLFragment(joining: conditions, separator: "AND"))"
        return try await db.list(Contact.self, from, orderBy: sort.orderBy(query.sortOrder ?? sort.defaultOrder), page: query.page, logger: logger)
    }

    static func trimmed(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// Every word of the search, prefix-matched, all required (as the records' search).
    static func tsquery(_ search: String?) throws -> String? {
        let text = (search ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 200 else { throw AppError.invalidQuery("search must be at most 200 characters.") }
        let terms = text.split(whereSeparator: { $0.isWhitespace || $0 == "@" }).prefix(10)
        guard !terms.isEmpty else { return nil }
        return terms.map { "'" + $0.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "':*" }
            .joined(separator: " & ")
    }

    func find(_ id: UUID, on db: some TenantQueryable, forUpdate: Bool = false) async throws -> Contact {
        let lock: SQLFragment = forUpdate ? "FOR UPDATE" : ""
        return try await db.first(Contact.self, try "SELECT \(Contact.columns) FROM \(db.table("crm_contacts")) WHERE id = \(id) \(lock)", logger: logger)
            .orNotFound(Self.notFound)
    }

    func find(_ id: UUID) async throws -> Contact { try await find(id, on: db) }

    /// The contact, its latest interactions, its tasks, insights and links — records only where the
    /// caller may see them.
    func detail(_ id: UUID) async throws -> ContactDetail {
        let contact = try await find(id)
        let interactions = try await db.all(Interaction.self, """
            SELECT \(Interaction.columns) FROM \(db.table("crm_interactions")) WHERE contact_id = \(id) ORDER BY occurred_at DESC, id DESC LIMIT 20
            """, logger: logger)
        let open = try await db.all(CRMTask.self, """
            SELECT \(CRMTask.columns) FROM \(db.table("crm_tasks")) WHERE contact_id = \(id) AND status NOT IN ('completed', 'cancelled')
            ORDER BY due_at ASC NULLS LAST, created_at, id
            """, logger: logger)
        let closed = try await db.all(CRMTask.self, """
            SELECT \(CRMTask.columns) FROM \(db.table("crm_tasks")) WHERE contact_id = \(id) AND status IN ('completed', 'cancelled')
            ORDER BY updated_at DESC, id DESC LIMIT 10
            """, logger: logger)
        let insights = try await db.all(CRMInsight.self, try """
            SELECT \(CRMInsight.columns) FROM \(db.table("crm_insights")) WHERE contact_id = \(id) AND status IN ('open', 'actioned')
            ORDER BY \(Priority.rankSQL), created_at DESC, id
            """, logger: logger)
        let links = try await db.all(CRMRelationship.self, """
            SELECT \(CRMRelationship.columns) FROM \(db.table("crm_relationships"))
            WHERE is_active AND ((source_type = 'contact' AND source_id = \(id)) OR (target_type = 'contact' AND target_id = \(id)))
            ORDER BY created_at, id
            """, logger: logger)
        let recordLinks = links.filter { $0.sourceType == .record || $0.targetType == .record }
        let recordIDs = recordLinks.map { $0.sourceType == .record ? $0.sourceID : $0.targetID }
        let visible = Dictionary(
            try await RecordRepository(context).accessible(recordIDs, on: db).filter(\.levels.canView).map { ($0.record.id, $0.record) },
            uniquingKeysWith: { first, _ in first })
        let related = recordLinks.compactMap { link -> ContactDetail.RelatedRecord? in
            let outgoing = link.targetType == .record
            guard let record = visible[outgoing ? link.targetID : link.sourceID] else { return nil }
            return ContactDetail.RelatedRecord(relationshipID: link.id, relationshipType: link.relationshipType,
                                               direction: outgoing ? "outgoing" : "incoming", record: record)
        }
        return ContactDetail(contact: contact, interactions: interactions, tasks: open + closed, insights: insights,
                             relationships: links.filter { $0.sourceType != .record && $0.targetType != .record }, relatedRecords: related)
    }

    // MARK: Writing

    /// A member of the workspace, or the 422 naming `field`.
    static func checkMember(_ id: UUID?, _ field: String, on db: some TenantQueryable, logger: Logger) async throws {
        guard let id else { return }
        let exists = try await db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(db.table("members")) WHERE id = \(id))", logger: logger) ?? false
        guard exists else { throw AppError.validation("Choose a member of this workspace.", fields: [field: "is not a member of this workspace"]) }
    }

    /// Creates the contact with its first score (the model's `assessment`, else the formula) and,
    /// unless asked not to, its first follow-up task.
    func create(_ new: Contact.New, assessment: ContactAssessment?, source: String, on transaction: some TenantQueryable) async throws -> Contact {
        try await Self.checkMember(new.ownerID, "owner_id", on: transaction, logger: logger)
        let type = new.contactType ?? "other"
        let score = assessment.map { RelationshipScore.clamp($0.relationshipScore) }
            ?? RelationshipScore.initial(contactType: type, hasEmail: new.email != nil, hasPhone: new.phone != nil, hasCompany: new.company != nil)
        let owner = new.ownerID ?? context.memberID
        let contact = try await transaction.first(Contact.self, """
            INSERT INTO \(transaction.table("crm_contacts"))
                (full_name, email, phone, company, job_title, contact_type, status, address, city, state, postal_code, country, tags, notes,
                 custom_fields, source, relationship_score, score_source, engagement_strategy, owner_id, created_by)
            VALUES (\(new.fullName), \(new.email), \(new.phone), \(new.company), \(new.jobTitle), \(type), \((new.status ?? .active).rawValue),
                    \(new.address), \(new.city), \(new.state), \(new.postalCode), \(new.country), \(new.tags ?? []), \(new.notes ?? ""),
                    \(new.customFields ?? JSONObject()), \(source), \(score), \(assessment == nil ? "rules" : "ai"),
                    \(assessment?.engagementStrategy), \(owner), \(context.memberID))
            RETURNING \(Contact.columns)
            """, logger: logger).orNotFound(Self.notFound)
        if new.scheduleFollowUp ?? true {
            let days = assessment?.followUpInDays.map { min(90, max(1, $0)) } ?? RelationshipScore.followUpDays(contactType: type)
            let title = assessment?.followUpTitle ?? "Follow up with \(contact.fullName)"
            try await transaction.execute("""
                INSERT INTO \(transaction.table("crm_tasks")) (contact_id, title, task_type, priority, due_at, source, assigned_to, created_by)
                VALUES (\(contact.id), \(String(title.prefix(500))), 'follow_up', \(type == "lead" || type == "prospect" ? "high" : "medium"),
                        \(Date().addingTimeInterval(Double(days) * 86_400)), \(assessment == nil ? "rules" : "ai"), \(owner), \(context.memberID))
                """, logger: logger)
        }
        return contact
    }

    func create(_ new: Contact.New, assessment: ContactAssessment?) async throws -> Contact {
        try await db.transaction(logger: logger) { transaction in try await create(new, assessment: assessment, source: "manual", on: transaction) }
    }

    /// Changes the fields sent; `status` moves `archived_at` with it.
    func update(_ id: UUID, _ change: Contact.Change, on db: some TenantQueryable) async throws -> Contact {
        if case .value(let owner) = change.ownerID { try await Self.checkMember(owner, "owner_id", on: db, logger: logger) }
        var changes = Assignments()
        changes.set("full_name", change.fullName)
        changes.set("email", change.email)
        changes.set("phone", change.phone)
        changes.set("company", change.company)
        changes.set("job_title", change.jobTitle)
        changes.set("contact_type", change.contactType)
        if case .value(let status) = change.status {
            changes.set("status", to: status.rawValue)
            changes.set("archived_at", expression: "CASE WHEN \(status.rawValue) = 'archived' THEN coalesce(archived_at, now()) END")
        }
        changes.set("address", change.address)
        changes.set("city", change.city)
        changes.set("state", change.state)
        changes.set("postal_code", change.postalCode)
        changes.set("country", change.country)
        changes.set("tags", change.tags)
        changes.set("notes", change.notes)
        changes.set("custom_fields", change.customFields)
        changes.set("owner_id", change.ownerID)
        changes.setNow("updated_at")
        return try await db.first(Contact.self, """
            UPDATE \(db.table("crm_contacts")) SET \(changes) WHERE id = \(id) RETURNING \(Contact.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func update(_ id: UUID, _ change: Contact.Change) async throws -> Contact { try await update(id, change, on: db) }

    /// Archives (kept, out of the default list); `permanent` deletes it with its interactions,
    /// tasks, insights and every relationship it is an end of.
    func delete(_ id: UUID, permanent: Bool) async throws {
        guard permanent else {
            let archived = try await db.execute("""
                UPDATE \(db.table("crm_contacts")) SET status = 'archived', archived_at = coalesce(archived_at, now()), updated_at = now()
                WHERE id = \(id) RETURNING id
                """, logger: logger)
            guard archived == 1 else { throw Self.notFound }
            return
        }
        try await db.transaction(logger: logger) { transaction in
            guard try await transaction.execute("DELETE FROM \(transaction.table("crm_contacts")) WHERE id = \(id) RETURNING id", logger: logger) == 1
            else { throw Self.notFound }
            try await transaction.execute("""
                DELETE FROM \(transaction.table("crm_relationships"))
                WHERE (source_type = 'contact' AND source_id = \(id)) OR (target_type = 'contact' AND target_id = \(id))
                """, logger: logger)
        }
    }
}
