import Foundation
import Logging
import PlatformCore

/// Projects and their competitors. Everyone who may view visibility sees every project of the
/// workspace; an archived project is found only by the archived list.
struct VisibilityProjectRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("project_not_found", "No visibility project with this id in this workspace.")

    func list(_ query: VisibilityProjectListQuery) async throws -> ListResponse<VisibilityProject> {
        var conditions: [SQLFragment] = [query.archived == true ? "archived_at IS NOT NULL" : "archived_at IS NULL"]
        if let statuses = query.status, !statuses.isEmpty { conditions.append("setup_status = ANY(\(statuses.map(\.rawValue)))") }
        let from: SQLFragment = "FROM \(db.table("visibility_projects")) WHERE \(SQLFragment(joining: conditions, separator: "AND"))"
        return try await db.list(VisibilityProject.self, from, orderBy: "created_at DESC, id DESC", page: query.page, logger: logger)
    }

    /// A live project (404 when archived or absent); `forUpdate` locks it for the transaction.
    func find(_ id: UUID, on db: some TenantQueryable, forUpdate: Bool = false) async throws -> VisibilityProject {
        let lock: SQLFragment = forUpdate ? "FOR UPDATE" : ""
        return try await db.first(VisibilityProject.self, try """
            SELECT \(VisibilityProject.columns) FROM \(db.table("visibility_projects")) WHERE id = \(id) AND archived_at IS NULL \(lock)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func find(_ id: UUID) async throws -> VisibilityProject { try await find(id, on: db) }

    func create(_ new: VisibilityProject.New) async throws -> VisibilityProject {
        try await db.first(VisibilityProject.self, """
            INSERT INTO \(db.table("visibility_projects"))
                (name, brand_name, brand_aliases, brand_domains, website_url, locale, setup_status, default_providers, default_repetitions, created_by)
            VALUES (\(new.name), \(new.brandName), \(new.brandAliases ?? []), \(new.brandDomains ?? []), \(new.websiteURL), \(new.locale ?? "en-US"),
                    \((new.setupStatus ?? .draft).rawValue), \(new.defaultProviders ?? []), \(Int16(new.defaultRepetitions ?? 1)), \(context.memberID))
            RETURNING \(VisibilityProject.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    func update(_ id: UUID, _ change: VisibilityProject.Change) async throws -> VisibilityProject {
        var changes = Assignments()
        changes.set("name", change.name)
        changes.set("brand_name", change.brandName)
        changes.set("brand_aliases", change.brandAliases)
        if let domain = change.impliedDomain {
            changes.set("brand_domains", expression: "CASE WHEN cardinality(brand_domains) = 0 THEN \([domain]) ELSE brand_domains END")
        } else {
            changes.set("brand_domains", change.brandDomains)
        }
        changes.set("website_url", change.websiteURL)
        changes.set("locale", change.locale)
        if case .value(let status) = change.setupStatus { changes.set("setup_status", to: status.rawValue) }
        changes.set("default_providers", change.defaultProviders)
        if case .value(let count) = change.defaultRepetitions { changes.set("default_repetitions", to: Int16(count)) }
        changes.setNow("updated_at")
        return try await db.first(VisibilityProject.self, """
            UPDATE \(db.table("visibility_projects")) SET \(changes) WHERE id = \(id) AND archived_at IS NULL RETURNING \(VisibilityProject.columns)
            """, logger: logger).orNotFound(Self.notFound)
    }

    /// Archives: the project, its competitors and queries stay, out of reach.
    func archive(_ id: UUID) async throws {
        let archived = try await db.execute("""
            UPDATE \(db.table("visibility_projects")) SET archived_at = now(), updated_at = now() WHERE id = \(id) AND archived_at IS NULL RETURNING id
            """, logger: logger)
        guard archived == 1 else { throw Self.notFound }
    }

    // MARK: Competitors

    static let competitorPage = Page(limit: Page.maximumLimit)

    func competitors(of id: UUID) async throws -> ListResponse<VisibilityCompetitor> {
        _ = try await find(id)
        return try await competitors(of: id, on: db)
    }

    private func competitors(of id: UUID, on db: some TenantQueryable) async throws -> ListResponse<VisibilityCompetitor> {
        let items = try await db.all(VisibilityCompetitor.self, """
            SELECT \(VisibilityCompetitor.columns) FROM \(db.table("visibility_competitors")) WHERE project_id = \(id) ORDER BY lower(name), id
            """, logger: logger)
        return ListResponse(items: items, total: items.count, page: Self.competitorPage)
    }

    /// Replaces the list in one transaction, under the project's lock: names (ignoring case) that
    /// stay keep their id, the others go.
    func replaceCompetitors(of id: UUID, _ replacement: VisibilityCompetitor.Replacement) async throws -> ListResponse<VisibilityCompetitor> {
        try await db.transaction(logger: logger) { transaction in
            _ = try await find(id, on: transaction, forUpdate: true)
            let list = replacement.competitors
            try await transaction.execute("""
                DELETE FROM \(transaction.table("visibility_competitors")) WHERE project_id = \(id) AND lower(name) <> ALL(\(list.map { $0.name.lowercased() }))
                """, logger: logger)
            // Arrays of arrays cannot be unnested into rows of arrays: one statement per competitor.
            for competitor in list {
                try await transaction.execute("""
                    INSERT INTO \(transaction.table("visibility_competitors")) (project_id, name, aliases, domains)
                    VALUES (\(id), \(competitor.name), \(competitor.aliases ?? []), \(competitor.domains ?? []))
                    ON CONFLICT (project_id, lower(name)) DO UPDATE
                    SET name = excluded.name, aliases = excluded.aliases, domains = excluded.domains, updated_at = now()
                    """, logger: logger)
            }
            try await transaction.execute("UPDATE \(transaction.table("visibility_projects")) SET updated_at = now() WHERE id = \(id)", logger: logger)
            return try await competitors(of: id, on: transaction)
        }
    }
}
