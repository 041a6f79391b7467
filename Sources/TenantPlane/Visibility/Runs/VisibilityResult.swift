import Foundation
import PlatformCore

/// One item of a run (B11): a query asked of one provider once, its answer analysed. Readable
/// while the run goes on; `status` says whether it is done.
struct VisibilityResult: APIModel, TableRow {
    enum Status: String, SchemaEnum { case pending = "PENDING", running = "RUNNING", succeeded = "SUCCEEDED", failed = "FAILED", cancelled = "CANCELLED" }

    struct QuerySnapshot: Codable, Sendable {
        let text: String
        let queryType: String?
        let categoryTier: String?
        let queryFocus: String?
        enum CodingKeys: String, CodingKey { case text, queryType = "query_type", categoryTier = "category_tier", queryFocus = "query_focus" }
    }

    let id: UUID
    let runID: UUID
    let queryID: UUID
    let provider: String
    let model: String
    let repetition: Int
    let status: Status
    let attempts: Int
    let answerText: String?
    let isMentioned: Bool?
    let isCited: Bool?
    let isLinked: Bool?
    let mentionPosition: Int?
    let mentionContext: String?
    let sentiment: String?
    let sentimentScore: Double?
    let extractedURLs: [String]
    let citations: JSONValue
    let groundingURLs: [String]
    let followUpQuestions: [String]
    let brandInFollowUp: Bool?
    let competitorMentions: JSONValue
    let visibilityScore: Int?
    let scoreBreakdown: JSONValue?
    let confidence: Double?
    let errorMessage: String?
    let query: QuerySnapshot
    let startedAt: Date?
    let completedAt: Date?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, runID = "run_id", queryID = "query_id", provider, model, repetition, status, attempts, answerText = "answer_text"
        case isMentioned = "is_mentioned", isCited = "is_cited", isLinked = "is_linked", mentionPosition = "mention_position"
        case mentionContext = "mention_context", sentiment, sentimentScore = "sentiment_score", extractedURLs = "extracted_urls", citations
        case groundingURLs = "grounding_urls", followUpQuestions = "follow_up_questions", brandInFollowUp = "brand_in_follow_up"
        case competitorMentions = "competitor_mentions", visibilityScore = "visibility_score", scoreBreakdown = "score_breakdown", confidence
        case errorMessage = "error_message", query, startedAt = "started_at", completedAt = "completed_at", createdAt = "created_at"
    }

    static let columns: Columns = [
        "id", "run_id", "query_id", "provider", "model", "repetition", "status", "attempts", "answer_text",
        "is_mentioned", "is_cited", "is_linked", "mention_position", "mention_context", "sentiment",
        "sentiment_score", "extracted_urls", "citations", "grounding_urls", "follow_up_questions",
        "brand_in_follow_up", "competitor_mentions", "visibility_score", "score_breakdown",
        "confidence", "error_message", "query_text", "query_type", "category_tier", "query_focus", "started_at",
        "completed_at", "created_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        runID = try row("run_id")
        queryID = try row("query_id")
        provider = try row("provider")
        model = try row("model")
        repetition = try row("repetition")
        status = try row("status")
        attempts = try row("attempts")
        answerText = try row("answer_text")
        isMentioned = try row("is_mentioned")
        isCited = try row("is_cited")
        isLinked = try row("is_linked")
        mentionPosition = try row("mention_position")
        mentionContext = try row("mention_context")
        sentiment = try row("sentiment")
        sentimentScore = try row("sentiment_score")
        extractedURLs = try row("extracted_urls")
        citations = try row("citations")
        groundingURLs = try row("grounding_urls")
        followUpQuestions = try row("follow_up_questions")
        brandInFollowUp = try row("brand_in_follow_up")
        competitorMentions = try row("competitor_mentions")
        visibilityScore = try row("visibility_score")
        scoreBreakdown = try row("score_breakdown")
        confidence = try row("confidence")
        errorMessage = try row("error_message")
        query = QuerySnapshot(
            text: try row("query_text"), queryType: try row("query_type"), categoryTier: try row("category_tier"), queryFocus: try row("query_focus"))
        startedAt = try row("started_at")
        completedAt = try row("completed_at")
        createdAt = try row("created_at")
    }

    private init(example: Void) {
        id = UUID(uuidString: "7c2d9e41-0a6b-4c8d-9e1f-2a3b4c5d6e7f")!
        runID = VisibilityRun.example.id
        queryID = UUID(uuidString: "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7")!
        provider = "openai"
        model = "gpt-4o-mini"
        repetition = 1
        status = .succeeded
        attempts = 1
        answerText = "For small teams, Acme and Globex are the usual picks; Acme's free tier (acme.com) is the most generous."
        isMentioned = true
        isCited = true
        isLinked = true
        mentionPosition = 1
        mentionContext = "For small teams, Acme and Globex are the usual picks"
        sentiment = "POSITIVE"
        sentimentScore = 0.6
        extractedURLs = ["https://acme.com/"]
        citations = ["https://acme.com/pricing"]
        groundingURLs = []
        followUpQuestions = ["Is Acme's free tier enough for five people?"]
        brandInFollowUp = true
        competitorMentions = [["name": "Globex", "position": 2]]
        visibilityScore = 88
        scoreBreakdown = ["mention": 30, "prominence": 20, "citation": 15, "link": 10, "tone": 8, "follow_up": 5, "total": 88, "notes": []]
        confidence = 0.9
        errorMessage = nil
        query = QuerySnapshot(text: "best project tool for small teams", queryType: "CATEGORY", categoryTier: nil, queryFocus: "PRODUCT")
        startedAt = Date(timeIntervalSince1970: 1_790_000_002)
        completedAt = Date(timeIntervalSince1970: 1_790_000_004)
        createdAt = Date(timeIntervalSince1970: 1_790_000_000)
    }

    static let example = VisibilityResult(example: ())
}

/// `GET /visibility/runs/{run_id}/results` (B12).
struct ResultQuery: QueryParameters {
    let page: Page
    let provider: String?
    let queryID: UUID?
    let status: [VisibilityResult.Status]?
    enum CodingKeys: String, CodingKey { case page, provider, queryID = "query_id", status }
}

/// One row of `GET /visibility/runs/{run_id}/scores` (B13): a query's results from one provider,
/// or from all of them under `provider` `*`.
struct QueryScore: APIModel, TableRow {
    let queryID: UUID
    let queryText: String
    let provider: String
    let results: Int
    let failed: Int
    let avgVisibilityScore: Double?
    let mentionRate: Double?
    let citationRate: Double?
    let linkRate: Double?
    let avgMentionPosition: Double?
    let sentimentCounts: JSONObject

    enum CodingKeys: String, CodingKey {
        case queryID = "query_id", queryText = "query_text", provider, results, failed, avgVisibilityScore = "avg_visibility_score"
        case mentionRate = "mention_rate", citationRate = "citation_rate", linkRate = "link_rate", avgMentionPosition = "avg_mention_position"
        case sentimentCounts = "sentiment_counts"
    }

    static let columns: Columns = [
        "query_id", "query_text", "provider", "results", "failed", "avg_visibility_score",
        "mention_rate", "citation_rate", "link_rate",
        "avg_mention_position", "sentiment_counts",
    ]

    init(row: RowReader) throws {
        queryID = try row("query_id")
        queryText = try row("query_text")
        provider = try row("provider")
        results = try row("results")
        failed = try row("failed")
        avgVisibilityScore = try row("avg_visibility_score")
        mentionRate = try row("mention_rate")
        citationRate = try row("citation_rate")
        linkRate = try row("link_rate")
        avgMentionPosition = try row("avg_mention_position")
        sentimentCounts = try row("sentiment_counts")
    }

    init(queryID: UUID, queryText: String, provider: String) {
        (self.queryID, self.queryText, self.provider) = (queryID, queryText, provider)
        (results, failed, avgVisibilityScore, mentionRate, citationRate, linkRate, avgMentionPosition) = (2, 0, 64, 1, 0.5, 0.5, 1.5)
        sentimentCounts = JSONObject(["POSITIVE": 1, "NEUTRAL": 1, "NEGATIVE": 0])
    }

    static let example = QueryScore(queryID: VisibilityResult.example.queryID, queryText: VisibilityResult.example.query.text, provider: "*")
}

struct QueryScoreList: APIModel {
    let runID: UUID
    let items: [QueryScore]
    enum CodingKeys: String, CodingKey { case runID = "run_id", items }
    static let example = QueryScoreList(runID: VisibilityRun.example.id, items: [.example])
}

/// `GET /visibility/runs/{run_id}/usage` (B5): every provider call of the run, and the totals.
struct RunUsage: APIModel {
    struct Call: Codable, Sendable, Row {
        let id: UUID
        let runItemID: UUID?
        let provider: String
        let model: String
        let status: String
        let inputTokens: Int
        let outputTokens: Int
        let latencyMS: Int
        let costMicroUSD: Int?
        let httpStatus: Int?
        let error: String?
        let createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, runItemID = "run_item_id", provider, model, status, inputTokens = "input_tokens", outputTokens = "output_tokens"
            case latencyMS = "latency_ms", costMicroUSD = "cost_micro_usd", httpStatus = "http_status", error, createdAt = "created_at"
        }

        init(row: RowReader) throws {
            id = try row("id")
            runItemID = try row("run_item_id")
            provider = try row("provider")
            model = try row("model")
            status = try row("status")
            inputTokens = try row("input_tokens")
            outputTokens = try row("output_tokens")
            latencyMS = try row("latency_ms")
            costMicroUSD = try row("cost_micro_usd")
            httpStatus = try row("http_status")
            error = try row("error")
            createdAt = try row("created_at")
        }

        init(example: Void) {
            (id, runItemID, provider, model, status) = (UUID(uuidString: "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091")!, VisibilityResult.example.id, "openai", "gpt-4o-mini", "succeeded")
            (inputTokens, outputTokens, latencyMS, costMicroUSD, httpStatus, error) = (412, 287, 1_840, 234, 200, nil)
            createdAt = Date(timeIntervalSince1970: 1_790_000_004)
        }
    }

    let runID: UUID
    let calls: Int
    let failedCalls: Int
    let inputTokens: Int
    let outputTokens: Int
    let latencyMSTotal: Int
    let costMicroUSD: Int
    let items: [Call]
    let total: Int
    let limit: Int
    let offset: Int

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", calls, failedCalls = "failed_calls", inputTokens = "input_tokens", outputTokens = "output_tokens"
        case latencyMSTotal = "latency_ms_total", costMicroUSD = "cost_micro_usd", items, total, limit, offset
    }

    static let example = RunUsage(
        runID: VisibilityRun.example.id, calls: 1, failedCalls: 0, inputTokens: 412, outputTokens: 287, latencyMSTotal: 1_840, costMicroUSD: 234,
        items: [Call(example: ())], total: 1, limit: 50, offset: 0)
}
