import Foundation
import Logging
import PlatformCore

/// A live project's queries. Every statement names the project, so a query id of another project
/// (or another workspace) is 404.
struct VisibilityQueryRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("query_not_found", "No query with this id in this project.")
    static let exists = AppError.conflict("query_exists", "The project has a query with this text already (ignoring case).")

    private var projects: VisibilityProjectRepository { VisibilityProjectRepository(context) }

    func list(project id: UUID, _ query: VisibilityQueryListQuery) async throws -> ListResponse<VisibilityQuery> {
        _ = try await projects.find(id)
        var conditions: [SQLFragment] = ["project_id = \(id)"]
        if let active = query.active { conditions.append("is_active = \(active)") }
        let from: SQLFragment = "FROM \(db.table("visibility_queries")) WHERE \(SQLFragment(joining: conditions, separator: "AND"))"
        return try await db.list(VisibilityQuery.self, from, orderBy: "seq", page: query.page, logger: logger)
    }

    /// Adds the batch's queries in one statement; a text already in the project or earlier in the
    /// batch (ignoring case) is skipped and reported. Concurrent batches cannot both add a text:
    /// the unique index decides, and the loser reports it as existing.
    func add(to id: UUID, _ batch: VisibilityQuery.Batch) async throws -> VisibilityQueryBatchResult {
        try await db.transaction(logger: logger) { transaction in
            _ = try await projects.find(id, on: transaction)
            var seen = Set<String>()
            var fresh: [VisibilityQuery.New] = []
            var inBatch: [Int: VisibilityQueryBatchResult.Duplicate] = [:]
            for (index, query) in batch.queries.enumerated() {
                if seen.insert(query.text.lowercased()).inserted {
                    fresh.append(query)
                } else {
                    inBatch[index] = .init(text: query.text, reason: "batch", existingQueryID: nil, existingIsActive: nil)
                }
            }
            let inserted = try await transaction.all(VisibilityQuery.self, """
                INSERT INTO \(transaction.table("visibility_queries")) (project_id, text, query_type, category_tier, query_focus, source)
                SELECT \(id), q.text, nullif(q.query_type, ''), nullif(q.category_tier, ''), nullif(q.query_focus, ''), \((batch.source ?? .manual).rawValue)
                FROM unnest(\(fresh.map(\.text))::text[], \(fresh.map { $0.queryType?.rawValue ?? "" })::text[],
                            \(fresh.map { $0.categoryTier ?? "" })::text[], \(fresh.map { $0.queryFocus ?? "" })::text[])
                     WITH ORDINALITY AS q(text, query_type, category_tier, query_focus, position)
                ORDER BY q.position -- `seq` follows the batch's order
                ON CONFLICT (project_id, lower(text)) DO NOTHING
                RETURNING \(VisibilityQuery.columns)
                """, logger: logger)
            let made = Dictionary(inserted.map { ($0.text.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            let skipped = fresh.filter { made[$0.text.lowercased()] == nil }.map(\.text)
            var existing: [String: VisibilityQuery] = [:]
            if !skipped.isEmpty {
                for query in try await transaction.all(VisibilityQuery.self, """
                    SELECT \(VisibilityQuery.columns) FROM \(transaction.table("visibility_queries"))
                    WHERE project_id = \(id) AND lower(text) = ANY(\(skipped.map { $0.lowercased() }))
                    """, logger: logger) { existing[query.text.lowercased()] = query }
            }
            var created: [VisibilityQuery] = []
            var reported: [VisibilityQueryBatchResult.Duplicate] = []
            for (index, query) in batch.queries.enumerated() {
                if let duplicate = inBatch[index] {
                    reported.append(duplicate)
                } else if let row = made[query.text.lowercased()] {
                    created.append(row)
                } else {
                    let match = existing[query.text.lowercased()]
                    reported.append(.init(text: query.text, reason: "existing", existingQueryID: match?.id, existingIsActive: match?.isActive))
                }
            }
            if !created.isEmpty {
                try await transaction.execute("UPDATE \(transaction.table("visibility_projects")) SET updated_at = now() WHERE id = \(id)", logger: logger)
            }
            return VisibilityQueryBatchResult(created: created, duplicates: reported)
        }
    }

    func find(_ queryID: UUID, in project: UUID) async throws -> VisibilityQuery {
        _ = try await projects.find(project)
        return try await db.first(VisibilityQuery.self, """
            SELECT \(VisibilityQuery.columns) FROM \(db.table("visibility_queries")) WHERE id = \(queryID) AND project_id = \(project)
            """, logger: logger).orNotFound(Self.notFound)
    }

    /// A new text that another query of the project has is 409 `query_exists`.
    func update(_ queryID: UUID, in project: UUID, _ change: VisibilityQuery.Change) async throws -> VisibilityQuery {
        try await db.transaction(logger: logger) { transaction in
            _ = try await projects.find(project, on: transaction)
            if case .value(let text) = change.text {
                let taken = try await transaction.value(Bool.self, """
                    SELECT EXISTS (SELECT 1 FROM \(transaction.table("visibility_queries"))
                                   WHERE project_id = \(project) AND lower(text) = lower(\(text)) AND id <> \(queryID))
                    """, logger: logger) ?? false
                if taken { throw Self.exists }
            }
            var changes = Assignments()
            changes.set("text", change.text)
            if case .value(let type) = change.queryType { changes.set("query_type", to: type.rawValue) }
            if case .null = change.queryType { changes.set("query_type", expression: "NULL") }
            changes.set("category_tier", change.categoryTier)
            changes.set("query_focus", change.queryFocus)
            changes.set("is_active", change.isActive)
            changes.setNow("updated_at")
            return try await transaction.first(VisibilityQuery.self, """
                UPDATE \(transaction.table("visibility_queries")) SET \(changes) WHERE id = \(queryID) AND project_id = \(project)
                RETURNING \(VisibilityQuery.columns)
                """, logger: logger).orNotFound(Self.notFound)
        }
    }

    /// Deactivates (idempotent while the query exists).
    func deactivate(_ queryID: UUID, in project: UUID) async throws {
        _ = try await projects.find(project)
        let changed = try await db.execute("""
            UPDATE \(db.table("visibility_queries")) SET is_active = false, updated_at = CASE WHEN is_active THEN now() ELSE updated_at END
            WHERE id = \(queryID) AND project_id = \(project) RETURNING id
            """, logger: logger)
        guard changed == 1 else { throw Self.notFound }
    }
}
