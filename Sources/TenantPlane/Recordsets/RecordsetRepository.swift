import Foundation
import Logging
import PlatformCore

/// The workspace's recordsets as one caller reaches them (`RecordsetAccess`).
struct RecordsetRepository {
    let db: TenantDatabase
    let logger: Logger
    let access: RecordsetAccess
    let member: UUID?
    let context: TenantContext

    init(_ context: TenantContext) {
        self.context = context
        db = context.db
        logger = context.logger
        access = RecordsetAccess(context)
        member = context.memberID
    }

    static let notFound = AppError.notFound("recordset_not_found", "No recordset with this slug or id that you can see in this workspace.")
    static let slugTaken = AppError.conflict("slug_taken", "Another recordset (perhaps in the trash) has this slug.")
    static func denied(_ level: AccessLevels.CodingKeys) -> AppError {
        .forbidden("recordset_access_denied", "You need \(level.rawValue) on this recordset.")
    }
    static let deniedCase = ErrorCase(.forbidden, "recordset_access_denied")

    /// A generated slug takes the first free `-2`, `-3` … suffix; two creations racing for one
    /// suffix both succeed, the second on its next try.
    func create(_ new: Recordset.New) async throws -> Recordset {
        let table = db.table("recordsets")
        let quota = try await context.quota(.recordsets)
        for _ in 0..<5 {
            let slug: SQLFragment
            if let chosen = new.slug {
                slug = "\(chosen)"
            } else {
                slug = Slug.free(Recordset.slug(from: new.name), in: table, reserved: Recordset.reservedSlugs)
            }
            let created = try await db.first(Recordset.self, try """
                WITH \(quota.lock)
                INSERT INTO \(table) (slug, name, description, type, icon, created_by)
                SELECT \(slug), \(new.name), \(new.description ?? ""), \(new.type ?? "custom"), \(new.icon ?? ""), \(member)
                WHERE \(quota.allows())
                ON CONFLICT (slug) DO NOTHING
                RETURNING \(Recordset.columns)
                """, logger: logger)
            if let created { return created }
            try await quota.requireRoom(on: db, logger: logger)
            if new.slug != nil { throw Self.slugTaken }
        }
        throw AppError.conflict("slug_contended", "Many recordsets with this name are being created at once; try again.")
    }

    func list(_ filter: Recordset.Filter) async throws -> ListResponse<Recordset> {
        let pattern = LikePattern.containing(filter.search)
        let trashed = filter.isActive == false
        return try await db.list(Recordset.self, """
            FROM \(db.table("recordsets")) rs
            WHERE (rs.deleted_at IS NOT NULL) = \(trashed) AND \(access.visible(in: db))
              AND (\(pattern)::text IS NULL OR rs.name ILIKE \(pattern) OR rs.description ILIKE \(pattern))
              AND (\(filter.type)::text IS NULL OR rs.type = \(filter.type))
            """, orderBy: "rs.created_at, rs.id", page: filter.page, logger: logger)
    }

    /// Everything in the trash (admins and owners only, by the route's rule), oldest first.
    func trash(_ filter: Recordset.TrashFilter) async throws -> ListResponse<Recordset> {
        let pattern = LikePattern.containing(filter.search)
        return try await db.list(Recordset.self, """
            FROM \(db.table("recordsets")) rs
            WHERE rs.deleted_at IS NOT NULL AND (\(pattern)::text IS NULL OR rs.name ILIKE \(pattern))
            """, orderBy: "rs.deleted_at, rs.id", page: filter.page, logger: logger)
    }

    /// A live recordset the caller can see, with their levels on it.
    func find(_ key: RecordsetKey) async throws -> AccessibleRecordset? {
        let found = try await db.first(AccessibleRecordset.self, try """
            SELECT rs.*, g.can_view, g.can_create, g.can_edit, g.can_edit_own, g.can_delete, g.can_delete_own, g.can_admin
            FROM \(db.table("recordsets")) rs LEFT JOIN \(access.grantsJoin(db))
            WHERE \(key.matches("rs")) AND rs.deleted_at IS NULL
            """, logger: logger)
        guard let found else { return nil }
        let levels = access.levels(owner: found.recordset.createdBy, granted: found.levels)
        return levels.canView ? AccessibleRecordset(recordset: found.recordset, levels: levels) : nil
    }

    /// The recordset, if the caller holds `level` on it: 404 when they cannot see it, 403 when
    /// they see it without that level.
    func require(_ key: RecordsetKey, _ level: AccessLevels.CodingKeys) async throws -> AccessibleRecordset {
        guard let found = try await find(key) else { throw Self.notFound }
        guard found.levels[level] else { throw Self.denied(level) }
        return found
    }

    func update(_ id: UUID, _ change: Recordset.Change) async throws -> Recordset {
        var changes = Assignments()
        changes.set("name", change.name)
        changes.set("description", change.description.clearingTo(""))
        changes.set("type", change.type)
        changes.set("icon", change.icon.clearingTo(""))
        changes.setNow("updated_at")
        return try await db.first(Recordset.self, """
            UPDATE \(db.table("recordsets")) SET \(changes) WHERE id = \(id) AND deleted_at IS NULL
            RETURNING \(Recordset.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func moveToTrash(_ id: UUID) async throws {
        guard try await db.execute("""
            UPDATE \(db.table("recordsets")) SET deleted_at = now(), is_active = false, updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """, logger: logger) == 1
        else { throw Self.notFound }
    }

    func restore(_ key: RecordsetKey) async throws -> Recordset {
        try await db.first(Recordset.self, try """
            UPDATE \(db.table("recordsets")) rs SET deleted_at = NULL, is_active = true, updated_at = now()
            WHERE \(key.matches("rs")) AND rs.deleted_at IS NOT NULL
            RETURNING \(Recordset.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    /// Deletes a trashed recordset and everything in it, for good.
    func deletePermanently(_ key: RecordsetKey) async throws {
        guard try await db.execute(try """
            DELETE FROM \(db.table("recordsets")) rs WHERE \(key.matches("rs")) AND rs.deleted_at IS NOT NULL RETURNING id
            """, logger: logger) == 1
        else { throw Self.notFound }
    }

    /// Recounts every recordset in one statement; answers how many were wrong.
    func syncCounts() async throws -> CountRepair {
        let checked = try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("recordsets"))", logger: logger) ?? 0
        let corrected = try await db.execute("""
            UPDATE \(db.table("recordsets")) rs SET record_count = actual.n
            FROM (SELECT s.id, (SELECT count(*)::int FROM \(db.table("records")) r WHERE r.recordset_id = s.id AND r.deleted_at IS NULL) AS n
                  FROM \(db.table("recordsets")) s) actual
            WHERE actual.id = rs.id AND rs.record_count <> actual.n
            RETURNING rs.id
            """, logger: logger)
        return CountRepair(checked: checked, corrected: corrected)
    }
}

extension AccessLevels {
    subscript(level: CodingKeys) -> Bool {
        switch level {
        case .canView: canView
        case .canCreate: canCreate
        case .canEdit: canEdit
        case .canEditOwn: canEditOwn
        case .canDelete: canDelete
        case .canDeleteOwn: canDeleteOwn
        case .canAdmin: canAdmin
        }
    }
}

/// The trash's scheduled emptying: recordsets deleted more than 30 days ago go for good, with
/// their records. The job worker runs it in every workspace once a day (`purge_trash`).
public struct TrashPurge: TenantMaintenance {
    public let kind = "purge_trash"

    public init() {}

    public func run(on db: TenantDatabase, now: Date, logger: Logger) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Recordset.trashRetention)
        return try await db.execute("""
            DELETE FROM \(db.table("recordsets")) WHERE deleted_at IS NOT NULL AND deleted_at < \(cutoff) RETURNING id
            """, logger: logger)
    }
}
