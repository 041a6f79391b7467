import Foundation
import PlatformCore

/// What hangs off a record: its history (and restoring from it), comments, relationships, and
/// dismissals from a tool's view. Each needs the record to be visible to the caller.
struct RecordDetailsController {
    static let versionNotFound = AppError.notFound("version_not_found", "This record has no such version.")
    static let relationshipExists = AppError.conflict("relationship_exists", "These records are already linked by this type.")
    static let badTarget = AppError.validation("Link to another record you can see.", fields: ["to_record_id": "is not another record you can see"])
    static let comment = Permission.named("can_view_record", scope: "records:write")

    static let history = Endpoint(
        .get, "/api/v1/records/{record_id}/history", "A record's versions, newest first, with who made them", query: Page.self,
        returns: ListResponse<RecordVersion>.self, errors: [ErrorCase(RecordController.notFound)])
    static let restore = Endpoint(
        .post, "/api/v1/records/{record_id}/history/{history_id}/restore", "Restore a version's content (as a new version)",
        returns: Record.self, errors: [ErrorCase(RecordController.notFound), ErrorCase(versionNotFound), RecordController.denied])
    static let comments = Endpoint(
        .get, "/api/v1/records/{record_id}/comments", "A record's comments, oldest first", query: Page.self,
        returns: ListResponse<RecordComment>.self, errors: [ErrorCase(RecordController.notFound)])
    static let addComment = Endpoint(
        .post, "/api/v1/records/{record_id}/comments", "Comment on a record", body: RecordComment.New.self, returns: RecordComment.self,
        status: .created, errors: [ErrorCase(RecordController.notFound)])
    static let relationships = Endpoint(
        .get, "/api/v1/records/{record_id}/relationships", "A record's links, both directions (to records the caller can see)",
        returns: RecordRelationshipList.self, errors: [ErrorCase(RecordController.notFound)])
    static let relate = Endpoint(
        .post, "/api/v1/records/{record_id}/relationships", "Link a record to another", body: RecordRelationship.New.self,
        returns: RecordRelationship.self, status: .created,
        errors: [ErrorCase(RecordController.notFound), RecordController.denied, ErrorCase(relationshipExists)])
    static let dismiss = Endpoint(
        .post, "/api/v1/records/{record_id}/dismiss", "Take a record out of one tool's view (the record stays)",
        query: RecordDismissal.Query.self, returns: RecordDismissal.self, errors: [ErrorCase(RecordController.notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.history, RecordController.view) { input, context in
            let record = try await RecordRepository(context).find(input.id("record_id"))
            let db = context.db
            return try await db.list(RecordVersion.self, """
                FROM (SELECT v.*, m.full_name AS changed_by_name, m.email AS changed_by_email
                      FROM \(db.table("record_versions")) v LEFT JOIN \(db.table("members")) m ON m.id = v.changed_by
                      WHERE v.record_id = \(record.id)) versions
                """, orderBy: "version DESC", page: input.query, logger: context.logger)
        }
        routes.tenant(Self.restore, RecordController.edit) { input, context in
            let repository = RecordRepository(context)
            let record = try await repository.require(input.id("record_id"), .edit).record
            let db = context.db
            return try await db.first(Record.self, """
                UPDATE \(db.table("records")) r
                SET data = v.data, status = CASE WHEN v.status = 'deleted' THEN 'active' ELSE v.status END, tags = v.tags,
                    updated_by = \(context.memberID), last_change = 'restored'
                FROM \(db.table("record_versions")) v
                WHERE r.id = \(record.id) AND r.deleted_at IS NULL AND v.id = \(input.id("history_id")) AND v.record_id = r.id
                RETURNING r.*
                """, logger: context.logger).orNotFound(Self.versionNotFound)
        }
        routes.tenant(Self.comments, RecordController.view) { input, context in
            let record = try await RecordRepository(context).find(input.id("record_id"))
            let db = context.db
            return try await db.list(RecordComment.self, """
                FROM (SELECT c.*, nullif(m.full_name, '') AS author_name
                      FROM \(db.table("record_comments")) c LEFT JOIN \(db.table("members")) m ON m.id = c.author_id
                      WHERE c.record_id = \(record.id)) comments
                """, orderBy: "created_at, id", page: input.query, logger: context.logger)
        }
        routes.tenant(Self.addComment, Self.comment) { input, context in
            let record = try await RecordRepository(context).find(input.id("record_id"))
            let db = context.db
            return try await db.first(RecordComment.self, """
                WITH c AS (INSERT INTO \(db.table("record_comments")) (record_id, body, author_id)
                           VALUES (\(record.id), \(input.body.body), \(context.memberID)) RETURNING *)
                SELECT c.*, nullif(m.full_name, '') AS author_name FROM c LEFT JOIN \(db.table("members")) m ON m.id = c.author_id
                """, logger: context.logger)!
        }
        routes.tenant(Self.relationships, RecordController.view) { input, context in
            let record = try await RecordRepository(context).find(input.id("record_id"))
            return RecordRelationshipList(items: try await links(of: record.id, id: nil, context))
        }
        routes.tenant(Self.relate, RecordController.edit) { input, context in
            let repository = RecordRepository(context)
            let record = try await repository.require(input.id("record_id"), .edit).record
            guard input.body.toRecordID != record.id, let target = try await repository.accessible([input.body.toRecordID], on: context.db).first,
                  target.levels.canView
            else { throw Self.badTarget }
            let db = context.db
            guard let id = try await db.value(UUID.self, """
                INSERT INTO \(db.table("record_relationships")) (from_record_id, to_record_id, type, created_by)
                VALUES (\(record.id), \(target.record.id), \(input.body.type ?? "related"), \(context.memberID))
                ON CONFLICT DO NOTHING RETURNING id
                """, logger: context.logger)
            else { throw Self.relationshipExists }
            return try await links(of: record.id, id: id, context)[0]
        }
        routes.tenant(Self.dismiss, Self.comment) { input, context in
            let record = try await RecordRepository(context).find(input.id("record_id"))
            guard let tool = input.query.tool, tool.range(of: "^[a-z][a-z0-9_-]{0,49}$", options: .regularExpression) != nil else {
                throw AppError.invalidQuery("tool is required: lower-case letters, digits, _ and - (at most 50).")
            }
            let db = context.db
            let at = try await db.value(Date.self, """
                INSERT INTO \(db.table("record_dismissals")) (record_id, tool, dismissed_by) VALUES (\(record.id), \(tool), \(context.memberID))
                ON CONFLICT (tool, record_id) DO UPDATE SET dismissed_at = now(), dismissed_by = EXCLUDED.dismissed_by
                RETURNING dismissed_at
                """, logger: context.logger)!
            return RecordDismissal(recordID: record.id, tool: tool, dismissedAt: at)
        }
    }

    /// The record's links whose other end is a live record the caller can see.
    private func links(of record: UUID, id: UUID?, _ context: TenantContext) async throws -> [RecordRelationship] {
        let db = context.db
        let visible = RecordsetAccess(context).visible(in: db)
        return try await db.all(RecordRelationship.self, try """
            SELECT x.id, x.type, x.direction, o.id AS record_id, o.recordset_id, x.created_by, x.created_at
            FROM (SELECT id, type, 'outgoing' AS direction, to_record_id AS other, created_by, created_at
                  FROM \(db.table("record_relationships")) WHERE from_record_id = \(record)
                  UNION ALL
                  SELECT id, type, 'incoming', from_record_id, created_by, created_at
                  FROM \(db.table("record_relationships")) WHERE to_record_id = \(record)) x
            JOIN \(db.table("records")) o ON o.id = x.other AND o.deleted_at IS NULL
            JOIN \(db.table("recordsets")) rs ON rs.id = o.recordset_id AND rs.deleted_at IS NULL
            WHERE \(visible) AND (\(id)::uuid IS NULL OR x.id = \(id))
            ORDER BY x.created_at, x.id
            """, logger: context.logger)
    }
}
