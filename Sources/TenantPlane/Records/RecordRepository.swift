import Foundation
import Logging
import PlatformCore

/// Records of one workspace, each in a live recordset of the same workspace. Deleting moves to the trash.
struct RecordRepository {
    let db: TenantDatabase
    let logger: Logger

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
    }

    /// Nil when the recordset does not exist here (or is in the trash).
    func create(_ new: Record.New, by member: UUID?) async throws -> Record? {
        try await db.first(Record.self, """
            INSERT INTO \(db.table("records")) (recordset_id, data, created_by)
            SELECT id, \(new.data), \(member) FROM \(db.table("recordsets")) WHERE id = \(new.recordsetID) AND deleted_at IS NULL
            RETURNING \(Record.columns)
            """, logger: logger)
    }

    func list(_ filter: Record.Filter) async throws -> ListResponse<Record> {
        try await db.list(Record.self, """
            FROM \(db.table("records"))
            WHERE deleted_at IS NULL AND (\(filter.recordsetID)::uuid IS NULL OR recordset_id = \(filter.recordsetID))
            """, orderBy: "created_at, id", page: filter.page, logger: logger)
    }

    func find(_ id: UUID) async throws -> Record? {
        try await db.first(Record.self, """
            SELECT \(Record.columns) FROM \(db.table("records")) WHERE id = \(id) AND deleted_at IS NULL
            """, logger: logger)
    }

    /// Merges the given top-level keys into the record's data and bumps its version.
    func merge(_ id: UUID, _ change: Record.Change) async throws -> Record? {
        try await db.first(Record.self, """
            UPDATE \(db.table("records")) SET data = data || \(change.data), version = version + 1, updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING \(Record.columns)
            """, logger: logger)
    }

    func trash(_ id: UUID) async throws -> Bool {
        try await db.softDelete(db.table("records"), id: id, logger: logger)
    }
}
