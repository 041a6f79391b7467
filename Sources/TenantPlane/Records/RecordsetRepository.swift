import Foundation
import Logging
import PlatformCore

struct RecordsetRepository {
    let db: TenantDatabase
    let logger: Logger

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
    }

    func create(_ new: Recordset.New, by member: UUID?) async throws -> Recordset {
        try await db.first(Recordset.self, """
            INSERT INTO \(db.table("recordsets")) (name, description, created_by)
            VALUES (\(new.name), \(new.description ?? ""), \(member))
            RETURNING \(Recordset.columns)
            """, logger: logger)!
    }

    func list(_ page: Page) async throws -> ListResponse<Recordset> {
        try await db.list(Recordset.self, "FROM \(db.table("recordsets")) WHERE deleted_at IS NULL", orderBy: "created_at, id", page: page, logger: logger)
    }

    func find(_ id: UUID) async throws -> Recordset? {
        try await db.first(Recordset.self, """
            SELECT \(Recordset.columns) FROM \(db.table("recordsets")) WHERE id = \(id) AND deleted_at IS NULL
            """, logger: logger)
    }

    func update(_ id: UUID, _ change: Recordset.Change) async throws -> Recordset? {
        var changes = Assignments()
        changes.set("name", change.name)
        changes.set("description", change.description.clearingTo(""))
        changes.setNow("updated_at")
        return try await db.first(Recordset.self, """
            UPDATE \(db.table("recordsets")) SET \(changes) WHERE id = \(id) AND deleted_at IS NULL
            RETURNING \(Recordset.columns)
            """, logger: logger)
    }

    func trash(_ id: UUID) async throws -> Bool {
        try await db.softDelete(db.table("recordsets"), id: id, logger: logger)
    }
}
