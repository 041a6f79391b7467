import Foundation
import Logging
import PlatformCore
import VisibilityEngine

/// A run as its job works it: the statements that claim, store and settle, each one round trip.
/// An item's result is written only while the item is still held by the claim that asked
/// (`attempts` is the claim's number), and moves the run's counters in the same statement.
/// A claim opens the provider call's metering row (`started`) before the call is made, so a call
/// cut off by a dead worker is still on the bill: the next claim of the item marks it `interrupted`.
struct WorkedRun: Sendable {
    let repository: RunRepository
    let run: VisibilityRun

    var db: TenantDatabase { repository.db }
    var logger: Logger { repository.logger }
    var runs: QualifiedTable { repository.runs }
    var items: QualifiedTable { repository.items }
    var notify: SQLFragment {
        "pg_notify(\(DatabaseListener.channel), \(RunRepository.key(workspace: db.workspaceID, run: run.id)))"
    }

    struct Item: Row, Sendable {
        let id: UUID
        let queryText: String
        let provider: String
        let attempts: Int
        /// The `ai_calls` row this attempt's call is metered in.
        let callID: UUID
        init(row: RowReader) throws {
            id = try row("id")
            queryText = try row("query_text")
            provider = try row("provider")
            attempts = try row("attempts")
            callID = try row("call_id")
        }
    }

    /// One provider call, for `ai_calls`.
    struct Call: Sendable {
        let provider: String
        let model: String
        let status: String
        let inputTokens: Int
        let outputTokens: Int
        let latencyMS: Int
        let costMicroUSD: Int?
        let httpStatus: Int?
        let error: String?
    }

    /// RUNNING from now; items an earlier, dead attempt held go back to pending.
    func start() async throws {
        try await db.execute("""
            WITH run AS (
                UPDATE \(runs) SET status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now()
                WHERE id = \(run.id) AND status IN ('PENDING', 'RUNNING') RETURNING id)
            UPDATE \(items) SET status = 'PENDING' WHERE run_id IN (SELECT id FROM run) AND status = 'RUNNING' RETURNING id
            """, logger: logger)
        try await db.execute("SELECT \(notify)", logger: logger)
    }

    func analyzer() async throws -> VisibilityAnalyzer {
        let project = try await repository.project(run.projectID)
        let competitors = try await repository.competitors(of: run.projectID)
        return VisibilityAnalyzer(
            brand: BrandProfile(name: project.brandName, aliases: project.brandAliases, domains: project.brandDomains),
            competitors: competitors.map { BrandProfile(name: $0.name, aliases: $0.aliases, domains: $0.domains) })
    }

    /// The next pending item, held by this attempt, with its call's metering row opened; nil when
    /// none is left or the run was cancelled.
    func claim() async throws -> Item? {
        let calls = db.table("ai_calls")
        return try await db.first(Item.self, """
            WITH claimed AS (
                UPDATE \(items) SET status = 'RUNNING', attempts = attempts + 1, started_at = now()
                WHERE id = (SELECT i.id FROM \(items) i JOIN \(runs) r ON r.id = i.run_id AND r.status = 'RUNNING'
                            WHERE i.run_id = \(run.id) AND i.status = 'PENDING' ORDER BY i.seq LIMIT 1 FOR UPDATE OF i SKIP LOCKED)
                RETURNING id, query_text, provider, attempts),
            interrupted AS (
                UPDATE \(calls) SET status = 'interrupted', error = 'The worker stopped before the answer was stored.'
                WHERE run_item_id IN (SELECT id FROM claimed) AND status = 'started' RETURNING id),
            call AS (
                INSERT INTO \(calls) (purpose, provider, model, status, member_id, run_id, run_item_id)
                SELECT 'visibility.run', c.provider, coalesce(r.model_versions ->> c.provider, ''), 'started', r.member_id, r.id, c.id
                FROM claimed c JOIN \(runs) r ON r.id = \(run.id)
                RETURNING id)
            SELECT c.id, c.query_text, c.provider, c.attempts::int AS attempts, (SELECT id FROM call) AS call_id,
                   (SELECT count(*) FROM interrupted) AS _interrupted
            FROM claimed c
            """, logger: logger)
    }

    /// Closes the attempt's metering row with what the call cost (or why it failed).
    private func meter(_ call: Call, item: Item) -> SQLFragment {
        """
        call AS (
            UPDATE \(db.table("ai_calls")) SET model = \(call.model), status = \(call.status), input_tokens = \(call.inputTokens),
                output_tokens = \(call.outputTokens), latency_ms = \(call.latencyMS), cost_micro_usd = \(call.costMicroUSD),
                error = \(call.error.map { String($0.prefix(2000)) }), http_status = \(call.httpStatus)
            WHERE id = \(item.callID) AND status = 'started'
            RETURNING id)
        """
    }

    func succeeded(_ item: Item, answer: ProviderAnswer, analysis: VisibilityAnalysis, call: Call) async throws {
        let citations = JSONValue.array(answer.citations.map(JSONValue.string))
        let competitors = try JSONValue(encoding: analysis.competitorMentions)
        let breakdown = try JSONValue(encoding: analysis.scoreBreakdown)
        try await db.execute("""
            WITH item AS (
                UPDATE \(items) SET status = 'SUCCEEDED', answer_text = \(answer.text), is_mentioned = \(analysis.isMentioned),
                    is_cited = \(analysis.isCited), is_linked = \(analysis.isLinked), mention_position = \(analysis.mentionPosition.map(Int16.init)),
                    mention_context = \(analysis.mentionContext), sentiment = \(analysis.sentiment.rawValue),
                    sentiment_score = round(\(analysis.sentimentScore)::numeric, 3), extracted_urls = \(analysis.extractedURLs),
                    citations = \(citations), grounding_urls = \(answer.groundingURLs), follow_up_questions = \(answer.followUpQuestions),
                    brand_in_follow_up = \(analysis.brandInFollowUp), competitor_mentions = \(competitors),
                    visibility_score = \(Int16(analysis.visibilityScore)), score_breakdown = \(breakdown),
                    confidence = round(\(analysis.confidence)::numeric, 2), model = \(call.model), error_message = NULL, completed_at = now()
                WHERE id = \(item.id) AND status = 'RUNNING' AND attempts = \(Int16(item.attempts))
                RETURNING run_id),
            \(meter(call, item: item)),
            run AS (
                UPDATE \(runs) SET completed_results = completed_results + 1, cost_micro_usd = cost_micro_usd + \(call.costMicroUSD ?? 0),
                       updated_at = now()
                WHERE id IN (SELECT run_id FROM item) RETURNING id)
            SELECT \(notify) FROM run
            """, logger: logger)
    }

    /// `call`: the provider call that failed; nil when none was made (its metering row is closed as failed).
    func failed(_ item: Item, error: String, call: Call?) async throws {
        let call = call ?? Call(
            provider: item.provider, model: run.modelVersions[item.provider]?.stringValue ?? "", status: "failed", inputTokens: 0, outputTokens: 0,
            latencyMS: 0, costMicroUSD: nil, httpStatus: nil, error: error)
        try await db.execute("""
            WITH \(meter(call, item: item)), item AS (
                UPDATE \(items) SET status = 'FAILED', error_message = \(String(error.prefix(2000))), completed_at = now()
                WHERE id = \(item.id) AND status = 'RUNNING' AND attempts = \(Int16(item.attempts))
                RETURNING run_id),
            run AS (
                UPDATE \(runs) SET failed_results = failed_results + 1, updated_at = now() WHERE id IN (SELECT run_id FROM item) RETURNING id)
            SELECT \(notify) FROM run
            """, logger: logger)
    }

    /// Back to pending after a transient failure (the call is metered).
    func retry(_ item: Item, call: Call) async throws {
        try await db.execute("""
            WITH \(meter(call, item: item))
            UPDATE \(items) SET status = 'PENDING', error_message = \(call.error)
            WHERE id = \(item.id) AND status = 'RUNNING' AND attempts = \(Int16(item.attempts)) RETURNING id
            """, logger: logger)
    }

    /// A run that cannot start (it could not be paid for): failed, its items cancelled, nothing charged.
    func fail(_ message: String) async throws {
        try await db.execute("""
            WITH cancelled AS (
                UPDATE \(items) SET status = 'CANCELLED', completed_at = now() WHERE run_id = \(run.id) AND status IN ('PENDING', 'RUNNING') RETURNING id),
            run AS (
                UPDATE \(runs) SET status = 'FAILED', error_message = \(message), cancelled_results = (SELECT count(*) FROM cancelled),
                       completed_at = now(), updated_at = now()
                WHERE id = \(run.id) RETURNING id)
            SELECT \(notify) FROM run
            """, logger: logger)
    }

    /// Scores and summary once no item is left to ask; then the refunds of failed and cancelled
    /// items (each under its own key, so a resumed job never refunds twice); then the status.
    func finish(ledger: any CreditLedger, workspace: UUID) async throws -> VisibilityRun {
        try await db.transaction(logger: logger) { tx in
            try await tx.execute("DELETE FROM \(tx.table("visibility_query_scores")) WHERE run_id = \(run.id) RETURNING run_id", logger: logger)
            try await tx.execute("""
                INSERT INTO \(tx.table("visibility_query_scores"))
                    (run_id, query_id, provider, query_text, results, failed, avg_visibility_score, mention_rate, citation_rate, link_rate,
                     avg_mention_position, sentiment_counts)
                SELECT * FROM (\(RunRepository.scoreSelect(items: items, run: run.id))) s
                RETURNING run_id
                """, logger: logger)
            try await tx.execute("""
                WITH summary AS (
                    SELECT round(avg(visibility_score), 2)::float8 AS score, count(*) FILTER (WHERE is_mentioned)::int AS mentions,
                           count(*) FILTER (WHERE is_cited)::int AS citations
                    FROM \(items) WHERE run_id = \(run.id) AND status = 'SUCCEEDED')
                UPDATE \(runs) SET avg_visibility_score = summary.score, mention_count = summary.mentions, citation_count = summary.citations,
                    updated_at = now()
                FROM summary WHERE id = \(run.id) RETURNING id
                """, logger: logger)
        }
        var refunded = 0
        if let debit = try await repository.require(run.id).ledgerEntryID {
            let owed = try await db.all(Refundable.self, """
                SELECT status, sum(credits)::int AS credits FROM \(items)
                WHERE run_id = \(run.id) AND status IN ('FAILED', 'CANCELLED') GROUP BY status HAVING sum(credits) > 0 ORDER BY status DESC
                """, logger: logger)
            for (status, credits) in owed.map({ ($0.status, $0.credits) }) {
                let receipt = try await ledger.refund(
                    credits, of: debit, workspace: workspace, key: VisibilityRunJob.refundKey(run.id, status.lowercased()),
                    description: "Visibility run: \(status.lowercased()) items", logger: logger)
                refunded += receipt?.credits ?? 0
            }
        }
        // The status last, with the refunds: whoever sees the run ended sees what it gave back.
        return try await db.first(VisibilityRun.self, """
            WITH run AS (
                UPDATE \(runs) SET credits_refunded = \(refunded),
                    status = CASE WHEN status IN ('CANCELLED', 'FAILED') THEN status
                                  WHEN completed_results = 0 THEN 'FAILED'
                                  WHEN failed_results > 0 THEN 'COMPLETED_WITH_ERRORS'
                                  ELSE 'COMPLETED' END,
                    error_message = CASE WHEN status NOT IN ('CANCELLED', 'FAILED') AND completed_results = 0 THEN 'Every item failed.'
                                         ELSE error_message END,
                    completed_at = coalesce(completed_at, now()), updated_at = now()
                WHERE id = \(run.id) RETURNING \(VisibilityRun.columns))
            SELECT *, \(notify) AS _notified FROM run
            """, logger: logger).orNotFound(RunRepository.runNotFound)
    }

    private struct Refundable: Row {
        let status: String
        let credits: Int
        init(row: RowReader) throws {
            status = try row("status")
            credits = try row("credits")
        }
    }
}
