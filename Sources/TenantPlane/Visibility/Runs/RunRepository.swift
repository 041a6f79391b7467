import Crypto
import Foundation
import Logging
import PlatformCore

/// Runs, their items, scores and usage in a workspace's schema.
struct RunRepository {
    let db: TenantDatabase
    let logger: Logger
    var runs: QualifiedTable { db.table("visibility_runs") }
    var items: QualifiedTable { db.table("visibility_run_items") }

    init(db: TenantDatabase, logger: Logger) {
        self.db = db
        self.logger = logger
    }

    init(_ context: TenantContext) { self.init(db: context.db, logger: context.logger) }

    static let projectNotFound = AppError.notFound("project_not_found", "No project with this id in this workspace.")
    static let runNotFound = AppError.notFound("run_not_found", "No run with this id in this workspace.")
    static let runInProgress = AppError.conflict("run_in_progress", "A run of this project is already in progress.")
    static let noValidQueries = AppError.badRequest("no_valid_queries", "None of the queries can run: name active queries of this project, or add some.")
    static let notCancellable = AppError.conflict("run_not_active", "Only a pending or running run can be cancelled.")
    static let unknownProvider = AppError(.unprocessableContent, code: "unknown_provider", message: "A named provider is not configured on this server.")
    static let tooManyItems = AppError(
        .unprocessableContent, code: "run_too_large", message: "A run may have at most \(maximumItems) items (queries × providers × repetitions).")
    static let maximumItems = 10_000

    /// The project as a run needs it (an archived one is not found).
    struct Project: Row {
        let id: UUID
        let locale: String
        let defaultProviders: [String]
        let defaultRepetitions: Int
        let brandName: String
        let brandAliases: [String]
        let brandDomains: [String]

        init(row: RowReader) throws {
            id = try row("id")
            locale = try row("locale")
            defaultProviders = try row("default_providers", as: [String]?.self) ?? []
            defaultRepetitions = Int(try row("default_repetitions", as: Int16?.self) ?? 1)
            brandName = try row("brand_name")
            brandAliases = try row("brand_aliases")
            brandDomains = try row("brand_domains")
        }
    }

    func project(_ id: UUID) async throws -> Project {
        try await db.first(Project.self, """
            SELECT id, locale, default_providers, default_repetitions, brand_name, brand_aliases, brand_domains
            FROM \(db.table("visibility_projects")) WHERE id = \(id) AND archived_at IS NULL
            """, logger: logger).orNotFound(Self.projectNotFound)
    }

    struct Competitor: Row {
        let name: String
        let aliases: [String]
        let domains: [String]
        init(row: RowReader) throws {
            name = try row("name")
            aliases = try row("aliases")
            domains = try row("domains")
        }
    }

    func competitors(of project: UUID) async throws -> [Competitor] {
        try await db.all(Competitor.self, """
            SELECT name, aliases, domains FROM \(db.table("visibility_competitors")) WHERE project_id = \(project) ORDER BY lower(name)
            """, logger: logger)
    }

    /// A run's id: with an `Idempotency-Key`, derived from it (and from the project and whose key
    /// it is, as the idempotency store scopes keys), so a retry after a crash finds the run (and
    /// its ledger debit) the first attempt began; otherwise new.
    static func runID(workspace: UUID, project: UUID, owner: String, idempotencyKey: String?) -> UUID {
        guard let idempotencyKey else { return UUID() }
        let name = "visibility_run \(workspace.lowercased) \(project.lowercased) \(owner) \(idempotencyKey)"
        var bytes = Array(SHA256.hash(data: Data(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 style: name-based
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// What a run will ask: its queries, providers and repetitions, and what that costs.
    struct Plan: Sendable {
        let queries: [UUID]
        let providers: [VisibilityProvider]
        let repetitions: Int
        var items: Int { queries.count * providers.count * repetitions }
        var credits: Int { queries.count * repetitions * providers.reduce(0) { $0 + $1.creditsPerItem } }
    }

    func plan(_ request: RunRequest, project: Project, configured: [VisibilityProvider]) async throws -> Plan {
        guard !configured.isEmpty else { throw MeteredLanguageModel.notConfigured }
        let names = request.providers ?? project.defaultProviders.filter { name in configured.contains { $0.name == name } }
        let providers = names.isEmpty ? configured : try names.uniqued().map { name in
            try configured.first { $0.name == name }.orNotFound(Self.unknownProvider)
        }
        let active: SQLFragment = "project_id = \(project.id) AND is_active"
        let queries: [UUID]
        if let wanted = request.queryIDs {
            queries = try await db.all(Identified.self, """
                SELECT id FROM \(db.table("visibility_queries")) WHERE \(active) AND id = ANY(\(wanted)) ORDER BY seq
                """, logger: logger).map(\.id)
        } else {
            queries = try await db.all(Identified.self, """
                SELECT id FROM \(db.table("visibility_queries")) WHERE \(active) ORDER BY seq
                """, logger: logger).map(\.id)
        }
        guard !queries.isEmpty else { throw Self.noValidQueries }
        let plan = Plan(queries: queries, providers: providers, repetitions: request.repetitions ?? project.defaultRepetitions)
        guard plan.items <= Self.maximumItems else { throw Self.tooManyItems }
        return plan
    }

    /// Writes the run and its items (PENDING, not yet paid for). Answers the run, or the one a
    /// first attempt with the same id wrote; 409 when another run of the project is active.
    func insert(
        id: UUID, project: Project, plan: Plan, name: String?, trigger: VisibilityRun.Trigger, member: UUID?, apiKey: UUID?,
        idempotencyKey: String?
    ) async throws -> VisibilityRun {
        if let existing = try await find(id) { return existing }
        let models = JSONObject(Dictionary(plan.providers.map { ($0.name, JSONValue.string($0.model)) }, uniquingKeysWith: { first, _ in first }))
        let providers = plan.providers.map(\.name)
        let inserted = try await db.transaction(logger: logger) { tx in
            let run = try await tx.first(VisibilityRun.self, """
                INSERT INTO \(runs) (id, project_id, name, triggered_by, member_id, api_key_id, locale, providers, model_versions, repetitions,
                                     total_queries, total_results, credits_charged, idempotency_key)
                VALUES (\(id), \(project.id), \(name), \(trigger.rawValue), \(member), \(apiKey), \(project.locale), \(providers), \(models),
                        \(Int16(plan.repetitions)), \(plan.queries.count), \(plan.items), \(plan.credits), \(idempotencyKey))
                ON CONFLICT DO NOTHING
                RETURNING \(VisibilityRun.columns)
                """, logger: logger)
            guard let run else { return nil as VisibilityRun? }
            try await tx.execute("""
                INSERT INTO \(items) (run_id, query_id, query_text, query_type, category_tier, query_focus, provider, model, repetition, credits)
                SELECT \(id), q.id, q.text, q.query_type, q.category_tier, q.query_focus, p.name, p.model, r, p.credits
                FROM \(tx.table("visibility_queries")) q
                CROSS JOIN unnest(\(plan.providers.map(\.name)), \(plan.providers.map(\.model)), \(plan.providers.map(\.creditsPerItem)))
                     WITH ORDINALITY AS p (name, model, credits, ord)
                CROSS JOIN generate_series(1, \(plan.repetitions)) r
                WHERE q.id = ANY(\(plan.queries))
                ORDER BY q.seq, p.ord, r
                RETURNING id
                """, logger: logger)
            return run
        }
        if let inserted { return inserted }
        // Nothing inserted: this id was written meanwhile, or another run of the project is active.
        if let existing = try await find(id) { return existing }
        throw Self.runInProgress
    }

    func find(_ id: UUID) async throws -> VisibilityRun? {
        try await db.first(VisibilityRun.self, "SELECT \(VisibilityRun.columns) FROM \(runs) WHERE id = \(id)", logger: logger)
    }

    func require(_ id: UUID) async throws -> VisibilityRun { try await find(id).orNotFound(Self.runNotFound) }

    /// A run that could not be paid for goes, items and all.
    func discard(_ id: UUID) async throws {
        try await db.execute("DELETE FROM \(runs) WHERE id = \(id) AND ledger_entry_id IS NULL RETURNING id", logger: logger)
    }

    func recordDebit(_ id: UUID, entry: UUID) async throws -> VisibilityRun {
        try await db.first(VisibilityRun.self, """
            UPDATE \(runs) SET ledger_entry_id = \(entry), updated_at = now() WHERE id = \(id) RETURNING \(VisibilityRun.columns)
            """, logger: logger).orNotFound(Self.runNotFound)
    }

    func list(project: UUID, _ query: RunListQuery) async throws -> ListResponse<VisibilityRun> {
        var filter: SQLFragment = "FROM \(runs) WHERE project_id = \(project)"
        if let status = query.status { filter = "\(filter) AND status = ANY(\(status.map(\.rawValue)))" }
        return try await db.list(VisibilityRun.self, filter, orderBy: "created_at DESC, id DESC", page: query.page, logger: logger)
    }

    func results(run: UUID, _ query: ResultQuery) async throws -> ListResponse<VisibilityResult> {
        var filter: SQLFragment = "FROM \(items) WHERE run_id = \(run)"
        if let provider = query.provider { filter = "\(filter) AND provider = \(provider.lowercased())" }
        if let queryID = query.queryID { filter = "\(filter) AND query_id = \(queryID)" }
        if let status = query.status { filter = "\(filter) AND status = ANY(\(status.map(\.rawValue)))" }
        return try await db.list(VisibilityResult.self, filter, orderBy: "seq", page: query.page, logger: logger)
    }

    /// Per query and provider, and per query across providers (`*`): the stored breakdown once
    /// the run has ended, computed from the results so far while it runs.
    func scores(run: VisibilityRun) async throws -> [QueryScore] {
        let source: SQLFragment = run.isTerminal
            ? "SELECT \(QueryScore.columns) FROM \(db.table("visibility_query_scores")) WHERE run_id = \(run.id)"
            : "SELECT \(QueryScore.columns) FROM (\(Self.scoreSelect(items: items, run: run.id))) s"
        return try await db.all(QueryScore.self, "\(source) ORDER BY query_text, query_id, provider = '*' DESC, provider", logger: logger)
    }

    /// The breakdown of B13 from a run's items.
    static func scoreSelect(items: QualifiedTable, run: UUID) -> SQLFragment {
        """
        SELECT i.run_id, i.query_id, p.provider, min(i.query_text) AS query_text,
               count(*) FILTER (WHERE i.status = 'SUCCEEDED')::int AS results,
               count(*) FILTER (WHERE i.status = 'FAILED')::int AS failed,
               round(avg(i.visibility_score) FILTER (WHERE i.status = 'SUCCEEDED'), 2)::float8 AS avg_visibility_score,
               round(avg(i.is_mentioned::int) FILTER (WHERE i.status = 'SUCCEEDED'), 3)::float8 AS mention_rate,
               round(avg(i.is_cited::int) FILTER (WHERE i.status = 'SUCCEEDED'), 3)::float8 AS citation_rate,
               round(avg(i.is_linked::int) FILTER (WHERE i.status = 'SUCCEEDED'), 3)::float8 AS link_rate,
               round(avg(i.mention_position) FILTER (WHERE i.status = 'SUCCEEDED'), 2)::float8 AS avg_mention_position,
               jsonb_build_object(
                   'POSITIVE', count(*) FILTER (WHERE i.sentiment = 'POSITIVE'),
                   'NEUTRAL', count(*) FILTER (WHERE i.sentiment = 'NEUTRAL'),
                   'NEGATIVE', count(*) FILTER (WHERE i.sentiment = 'NEGATIVE')) AS sentiment_counts
        FROM \(items) i CROSS JOIN LATERAL (VALUES (i.provider), ('*')) AS p (provider)
        WHERE i.run_id = \(run)
        GROUP BY i.run_id, i.query_id, p.provider
        """
    }

    func usage(run: UUID, page: Page) async throws -> RunUsage {
        let table = db.table("ai_calls")
        let totals = try await db.first(UsageTotals.self, """
            SELECT count(*)::int AS calls, count(*) FILTER (WHERE status NOT IN ('succeeded', 'started'))::int AS failed,
                   coalesce(sum(input_tokens), 0)::int AS input_tokens, coalesce(sum(output_tokens), 0)::int AS output_tokens,
                   coalesce(sum(latency_ms), 0)::int AS latency, coalesce(sum(cost_micro_usd), 0)::int8 AS cost
            FROM \(table) WHERE run_id = \(run)
            """, logger: logger)!
        let calls = try await db.all(RunUsage.Call.self, """
            SELECT id, run_item_id, provider, model, status, input_tokens, output_tokens, latency_ms, cost_micro_usd, http_status, error, created_at
            FROM \(table) WHERE run_id = \(run) ORDER BY created_at, id LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger)
        return RunUsage(
            runID: run, calls: totals.calls, failedCalls: totals.failed, inputTokens: totals.inputTokens, outputTokens: totals.outputTokens,
            latencyMSTotal: totals.latency, costMicroUSD: totals.cost, items: calls, total: totals.calls, limit: page.limit, offset: page.offset)
    }

    /// Cancels a pending or running run: its pending items are cancelled at once (items being
    /// asked finish). Answers the run and the credits its cancelled items cost.
    func cancel(_ id: UUID) async throws -> (run: VisibilityRun, credits: Int) {
        try await db.transaction(logger: logger) { tx in
            guard let status = try await tx.value(String.self, "SELECT status FROM \(runs) WHERE id = \(id) FOR UPDATE", logger: logger) else {
                throw Self.runNotFound
            }
            guard VisibilityRun.Status(rawValue: status)?.isActive == true else { throw Self.notCancellable }
            let credits = try await tx.value(Int.self, """
                WITH cancelled AS (
                    UPDATE \(items) SET status = 'CANCELLED', completed_at = now() WHERE run_id = \(id) AND status = 'PENDING' RETURNING credits),
                run AS (
                    UPDATE \(runs) SET status = 'CANCELLED', cancelled_results = cancelled_results + (SELECT count(*) FROM cancelled),
                           updated_at = now()
                    WHERE id = \(id) RETURNING id)
                SELECT coalesce(sum(credits), 0)::int FROM cancelled, run
                """, logger: logger) ?? 0
            try await tx.execute("SELECT pg_notify(\(DatabaseListener.channel), \(Self.key(workspace: db.workspaceID, run: id)))", logger: logger)
            let run = try await tx.first(VisibilityRun.self, "SELECT \(VisibilityRun.columns) FROM \(runs) WHERE id = \(id)", logger: logger)!
            return (run, credits)
        }
    }

    func addRefund(_ id: UUID, credits: Int) async throws {
        try await db.execute("""
            UPDATE \(runs) SET credits_refunded = credits_refunded + \(credits), updated_at = now() WHERE id = \(id) RETURNING id
            """, logger: logger)
    }

    func trend(project: UUID, _ query: TrendQuery) async throws -> [TrendPoint] {
        var filter: SQLFragment = "r.project_id = \(project) AND r.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS')"
        if let from = query.from { filter = "\(filter) AND r.created_at >= \(from)" }
        if let to = query.to { filter = "\(filter) AND r.created_at < \(to)" }
        let provider = query.provider?.lowercased()
        return try await db.all(TrendPoint.self, """
            SELECT r.id AS run_id, r.run_date, r.completed_at,
                   count(i.id)::int AS results,
                   round(avg(i.visibility_score), 2)::float8 AS avg_visibility_score,
                   round(avg(i.is_mentioned::int), 3)::float8 AS mention_rate,
                   round(avg(i.is_cited::int), 3)::float8 AS citation_rate
            FROM \(runs) r
            LEFT JOIN \(items) i ON i.run_id = r.id AND i.status = 'SUCCEEDED' AND (\(provider)::text IS NULL OR i.provider = \(provider))
            WHERE \(filter)
            GROUP BY r.id ORDER BY r.created_at, r.id
            """, logger: logger)
    }

    /// The hub key a run's changes are announced under (its progress stream waits on it).
    static func key(workspace: UUID, run: UUID) -> String {
        "visibility_run:\(workspace.uuidString.lowercased()):\(run.uuidString.lowercased())"
    }

    private struct Identified: Row {
        let id: UUID
        init(row: RowReader) throws { id = try row("id") }
    }

    private struct UsageTotals: Row {
        let calls: Int
        let failed: Int
        let inputTokens: Int
        let outputTokens: Int
        let latency: Int
        let cost: Int
        init(row: RowReader) throws {
            calls = try row("calls")
            failed = try row("failed")
            inputTokens = try row("input_tokens")
            outputTokens = try row("output_tokens")
            latency = try row("latency")
            cost = try row("cost")
        }
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
