import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Relationships between contacts, records and members. A record end must be one the caller may
/// see (`RecordsetAccess`) to link it, and a relationship with a record end they cannot see is
/// left out of every answer (404 when asked for by id).
struct RelationshipRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("relationship_not_found", "No relationship with this id that you can see in this workspace.")
    static let endNotFound = AppError.notFound("relationship_end_not_found", "An end of the relationship does not exist in this workspace.")
    static let exists = AppError.conflict("relationship_exists", "An active relationship of this type already links these two.")
    static let entityTypeNotFound = AppError.notFound("entity_type_not_found", "Entities are contact, record and member.")
    static let entityNotFound = AppError.notFound("entity_not_found", "No such entity in this workspace.")

    struct End: Hashable {
        let type: EntityType
        let id: UUID
    }

    /// `rel` (an alias of crm_relationships) has no record end hidden from the caller.
    func visible(in db: some TenantQueryable) -> SQLFragment {
        let access = RecordsetAccess(context)
        func end(_ type: SQLFragment, _ id: SQLFragment) -> SQLFragment {
            """
            (\(type) <> 'record' OR EXISTS (SELECT 1 FROM \(db.table("records")) r
                JOIN \(db.table("recordsets")) rs ON rs.id = r.recordset_id AND rs.deleted_at IS NULL
                WHERE r.id = \(id) AND r.deleted_at IS NULL AND \(access.visible(in: db))))
            """
        }
        return "\(end("rel.source_type", "rel.source_id")) AND \(end("rel.target_type", "rel.target_id"))"
    }

    /// Which of `ends` exist (records: live and visible to the caller).
    func existing(_ ends: [End], on db: some TenantQueryable) async throws -> Set<End> {
        var found = Set<End>()
        let contacts = ends.filter { $0.type == .contact }.map(\.id)
        if !contacts.isEmpty {
            for row in try await db.all(CRMID.self, "SELECT id FROM \(db.table("crm_contacts")) WHERE id = ANY(\(contacts))", logger: logger) {
                found.insert(End(type: .contact, id: row.id))
            }
        }
        let members = ends.filter { $0.type == .member }.map(\.id)
        if !members.isEmpty {
            for row in try await db.all(CRMID.self, "SELECT id FROM \(db.table("members")) WHERE id = ANY(\(members))", logger: logger) {
                found.insert(End(type: .member, id: row.id))
            }
        }
        let records = ends.filter { $0.type == .record }.map(\.id)
        if !records.isEmpty {
            for record in try await RecordRepository(context).accessible(records, on: db) where record.levels.canView {
                found.insert(End(type: .record, id: record.record.id))
            }
        }
        return found
    }

    /// The entity named by a path's `{entity_type}/{entity_id}`, or 404.
    func requireEntity(_ type: String, _ id: UUID) async throws -> End {
        guard let type = EntityType(rawValue: type) else { throw Self.entityTypeNotFound }
        let end = End(type: type, id: id)
        guard try await existing([end], on: db).contains(end) else { throw Self.entityNotFound }
        return end
    }

    // MARK: Reading

    func list(_ query: RelationshipListQuery) async throws -> ListResponse<CRMRelationship> {
        var conditions: [SQLFragment] = [visible(in: db)]
        if let type = query.sourceType { conditions.append("rel.source_type = \(type.rawValue)") }
        if let id = query.sourceID { conditions.append("rel.source_id = \(id)") }
        if let type = query.targetType { conditions.append("rel.target_type = \(type.rawValue)") }
        if let id = query.targetID { conditions.append("rel.target_id = \(id)") }
        if let type = query.relationshipType { conditions.append("rel.relationship_type = \(type.lowercased())") }
        if let active = query.isActive { conditions.append("rel.is_active = \(active)") }
        return try await db.list(CRMRelationship.self, "FROM \(db.table("crm_relationships")) rel WHERE \(SQLFragment(joining: conditions, separator: "AND"))",
                                 orderBy: "rel.created_at DESC, rel.id DESC", page: query.page, logger: logger)
    }

    func of(_ entity: End, _ query: EntityRelationshipQuery) async throws -> ListResponse<CRMRelationship> {
        let type = entity.type.rawValue
        let outgoing: SQLFragment = "(rel.source_type = \(type) AND rel.source_id = \(entity.id))"
        let incoming: SQLFragment = "(rel.target_type = \(type) AND rel.target_id = \(entity.id))"
        var conditions: [SQLFragment] = [visible(in: db)]
        switch query.direction ?? .both {
        case .source: conditions.append(outgoing)
        case .target: conditions.append(incoming)
        case .both: conditions.append("(\(outgoing) OR \(incoming))")
        }
        if let types = query.relationshipTypes, !types.isEmpty { conditions.append("rel.relationship_type = ANY(\(types.map { $0.lowercased() }))") }
        if let active = query.isActive { conditions.append("rel.is_active = \(active)") }
        return try await db.list(CRMRelationship.self, "FROM \(db.table("crm_relationships")) rel WHERE \(SQLFragment(joining: conditions, separator: "AND"))",
                                 orderBy: "rel.created_at DESC, rel.id DESC", page: query.page, logger: logger)
    }

    func find(_ id: UUID, on db: some TenantQueryable) async throws -> CRMRelationship {
        try await db.first(CRMRelationship.self, try """
            SELECT \(CRMRelationship.columns) FROM \(db.table("crm_relationships")) rel WHERE rel.id = \(id) AND \(visible(in: db))
            """, logger: logger).orNotFound(Self.notFound)
    }

    // MARK: Writing

    /// Makes them all in one transaction, or none: 404 `relationship_end_not_found` naming every
    /// missing end (`details.missing`: index, field, type, id), 409 when one already exists.
    func create(_ news: [CRMRelationship.New], on transaction: some TenantQueryable, indexed: Bool) async throws -> [CRMRelationship] {
        let ends = news.flatMap { [End(type: $0.sourceType, id: $0.sourceID), End(type: $0.targetType, id: $0.targetID)] }
        let found = try await existing(ends, on: transaction)
        var missing: [JSONValue] = []
        for (index, new) in news.enumerated() {
            for (field, end) in [("source_id", End(type: new.sourceType, id: new.sourceID)), ("target_id", End(type: new.targetType, id: new.targetID))]
            where !found.contains(end) {
                var entry: [String: JSONValue] = ["field": .string(field), "type": .string(end.type.rawValue), "id": .string(end.id.uuidString.lowercased())]
                if indexed { entry["index"] = .number(Double(index)) }
                missing.append(.object(entry))
            }
        }
        guard missing.isEmpty else {
            throw AppError(.notFound, code: Self.endNotFound.code,
                           message: indexed ? "\(missing.count) ends of the relationships do not exist; none was made." : Self.endNotFound.message,
                           details: ["missing": .array(missing)])
        }
        var made: [CRMRelationship] = []
        do {
            for new in news {
                if let relationship = try await transaction.first(CRMRelationship.self, """
                    INSERT INTO \(transaction.table("crm_relationships"))
                        (source_type, source_id, target_type, target_id, relationship_type, strength, notes, metadata, created_by)
                    VALUES (\(new.sourceType.rawValue), \(new.sourceID), \(new.targetType.rawValue), \(new.targetID), \(new.relationshipType), \(new.strength),
                            \(new.notes ?? ""), \(new.metadata ?? JSONObject()), \(context.memberID))
                    RETURNING \(CRMRelationship.columns)
                    """, logger: logger) { made.append(relationship) }
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.exists
        }
        return made
    }

    func create(_ new: CRMRelationship.New) async throws -> CRMRelationship {
        try await db.transaction(logger: logger) { transaction in try await create([new], on: transaction, indexed: false)[0] }
    }

    func bulk(_ bulk: CRMRelationship.Bulk) async throws -> CRMRelationship.BulkCreated {
        let made = try await db.transaction(logger: logger) { transaction in try await create(bulk.relationships, on: transaction, indexed: true) }
        return CRMRelationship.BulkCreated(created: made.count, items: made)
    }

    func update(_ id: UUID, _ change: CRMRelationship.Change) async throws -> CRMRelationship {
        _ = try await find(id, on: db)
        var changes = Assignments()
        changes.set("relationship_type", change.relationshipType)
        changes.set("strength", change.strength)
        changes.set("notes", change.notes)
        changes.set("metadata", change.metadata)
        changes.set("is_active", change.isActive)
        changes.setNow("updated_at")
        do {
            return try await db.first(CRMRelationship.self, """
                UPDATE \(db.table("crm_relationships")) SET \(changes) WHERE id = \(id) RETURNING \(CRMRelationship.columns)
                """, logger: logger).orNotFound(Self.notFound)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.exists
        }
    }

    /// Deactivates (kept, `is_active=false`); `permanent` removes it.
    func delete(_ id: UUID, permanent: Bool) async throws {
        _ = try await find(id, on: db)
        if permanent {
            try await db.execute("DELETE FROM \(db.table("crm_relationships")) WHERE id = \(id)", logger: logger)
        } else {
            try await db.execute("UPDATE \(db.table("crm_relationships")) SET is_active = false, updated_at = now() WHERE id = \(id)", logger: logger)
        }
    }
}
