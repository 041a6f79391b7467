import Foundation
import PlatformCore

/// A visibility run: every chosen query of a project asked of every chosen provider, `repetitions`
/// times, each answer analysed and scored. Paid for when created; failed and cancelled items are
/// refunded when the run ends.
struct VisibilityRun: APIModel, TableRow {
    enum Status: String, SchemaEnum {
        case pending = "PENDING", running = "RUNNING", completed = "COMPLETED", completedWithErrors = "COMPLETED_WITH_ERRORS"
        case failed = "FAILED", cancelled = "CANCELLED"

        var isActive: Bool { self == .pending || self == .running }
    }

    enum Trigger: String, SchemaEnum { case manual = "MANUAL", api = "API", schedule = "SCHEDULE", callback = "CALLBACK" }

    /// B10's `summary`, computed from the results so far.
    struct Summary: Codable, Sendable {
        let totalResults: Int
        let avgVisibilityScore: Double?
        let mentionCount: Int
        let citationCount: Int

        enum CodingKeys: String, CodingKey {
            case totalResults = "total_results", avgVisibilityScore = "avg_visibility_score", mentionCount = "mention_count"
            case citationCount = "citation_count"
        }

    }

    let id: UUID
    let projectID: UUID
    let name: String?
    let status: Status
    let triggeredBy: Trigger
    let memberID: UUID?
    let locale: String
    let providers: [String]
    let modelVersions: JSONObject
    let repetitions: Int
    let totalQueries: Int
    let totalResults: Int
    let completedResults: Int
    let failedResults: Int
    let cancelledResults: Int
    let creditsCharged: Int
    let creditsRefunded: Int
    let costMicroUSD: Int
    let summary: Summary
    let errorMessage: String?
    let runDate: String
    let startedAt: Date?
    let completedAt: Date?
    let createdAt: Date
    /// The ledger's debit for it, once taken (not part of the answer).
    var ledgerEntryID: UUID? = nil

    enum CodingKeys: String, CodingKey {
        case id, projectID = "project_id", name, status, triggeredBy = "triggered_by", memberID = "member_id", locale, providers
        case modelVersions = "model_versions", repetitions, totalQueries = "total_queries", totalResults = "total_results"
        case completedResults = "completed_results", failedResults = "failed_results", cancelledResults = "cancelled_results"
        case creditsCharged = "credits_charged", creditsRefunded = "credits_refunded", costMicroUSD = "cost_micro_usd", summary
        case errorMessage = "error_message", runDate = "run_date", startedAt = "started_at", completedAt = "completed_at", createdAt = "created_at"
    }

    static let columns: Columns = [
        "id", "project_id", "name", "status", "triggered_by", "member_id", "locale", "providers", "model_versions", "repetitions",
        "total_queries", "total_results", "completed_results", "failed_results", "cancelled_results", "credits_charged",
        "credits_refunded", "cost_micro_usd", "avg_visibility_score", "mention_count", "citation_count",
        "error_message", "run_date", "started_at", "completed_at", "created_at", "ledger_entry_id",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        projectID = try row("project_id")
        name = try row("name")
        status = try row("status")
        triggeredBy = try row("triggered_by")
        memberID = try row("member_id")
        locale = try row("locale")
        providers = try row("providers")
        modelVersions = try row("model_versions")
        repetitions = try row("repetitions")
        totalQueries = try row("total_queries")
        totalResults = try row("total_results")
        completedResults = try row("completed_results")
        failedResults = try row("failed_results")
        cancelledResults = try row("cancelled_results")
        creditsCharged = try row("credits_charged")
        creditsRefunded = try row("credits_refunded")
        costMicroUSD = try row("cost_micro_usd")
        summary = Summary(
            totalResults: completedResults, avgVisibilityScore: try row("avg_visibility_score"), mentionCount: try row("mention_count", as: Int?.self) ?? 0,
            citationCount: try row("citation_count", as: Int?.self) ?? 0)
        errorMessage = try row("error_message")
        runDate = Self.day(try row("run_date", as: Date.self))
        startedAt = try row("started_at")
        completedAt = try row("completed_at")
        createdAt = try row("created_at")
        ledgerEntryID = try row("ledger_entry_id")
    }

    private init(example: Void) {
        id = UUID(uuidString: "0b7e8a52-3c1d-4f6a-9e2b-7c4d5e6f7a8b")!
        projectID = UUID(uuidString: "6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b")!
        name = "Weekly check"
        status = .running
        triggeredBy = .manual
        memberID = UUID(uuidString: "17b04c38-586c-4f80-bdcf-dbb09ab401d5")!
        locale = "en-US"
        providers = ["openai", "gemini"]
        modelVersions = JSONObject(["openai": "gpt-4o-mini", "gemini": "gemini-2.5-flash"])
        repetitions = 1
        totalQueries = 6
        totalResults = 12
        completedResults = 7
        failedResults = 1
        cancelledResults = 0
        creditsCharged = 12
        creditsRefunded = 0
        costMicroUSD = 4_210
        summary = Summary(totalResults: 7, avgVisibilityScore: 41.5, mentionCount: 5, citationCount: 2)
        errorMessage = nil
        runDate = "2026-09-21"
        startedAt = Date(timeIntervalSince1970: 1_790_000_001)
        completedAt = nil
        createdAt = Date(timeIntervalSince1970: 1_790_000_000)
    }

    static let example = VisibilityRun(example: ())

    var isTerminal: Bool { !status.isActive }

    /// A `date` column as `yyyy-MM-dd`.
    static func day(_ date: Date) -> String { ISO8601.string(date).prefix(10).description }
}

/// `POST /visibility/projects/{project_id}/runs`.
struct RunRequest: RequestBody, APIModel {
    var name: String?
    /// Only these queries (active ones of the project); omitted, every active query.
    var queryIDs: [UUID]?
    /// Among the configured providers; omitted, the project's defaults (or every configured one).
    var providers: [String]?
    /// 1 to 5; omitted, the project's default.
    var repetitions: Int?

    enum CodingKeys: String, CodingKey { case name, queryIDs = "query_ids", providers, repetitions }

    func validated() throws -> RunRequest {
        var check = Validation()
        let name = name.map { check.text($0, "name", length: 1...100) }
        if let repetitions { check.require((1...5).contains(repetitions), "repetitions", "must be 1 to 5") }
        if let queryIDs { check.require(queryIDs.count <= 1_000, "query_ids", "at most 1,000") }
        if let providers { check.require(!providers.isEmpty && providers.count <= 10, "providers", "1 to 10 provider names") }
        try check.finish("The run request is invalid.")
        return RunRequest(name: name, queryIDs: queryIDs, providers: providers?.map { $0.lowercased() }, repetitions: repetitions)
    }

    static let example = RunRequest(name: "Weekly check", queryIDs: nil, providers: ["openai"], repetitions: 1)
}

/// `GET /visibility/projects/{project_id}/runs`.
struct RunListQuery: QueryParameters {
    let page: Page
    let status: [VisibilityRun.Status]?
}

/// `GET /visibility/projects/{project_id}/trend`: one point per finished run.
struct TrendQuery: QueryParameters {
    let from: Date?
    let to: Date?
    let provider: String?
}

struct TrendPoint: Codable, Sendable {
    let runID: UUID
    let runDate: String
    let completedAt: Date?
    let results: Int
    let avgVisibilityScore: Double?
    let mentionRate: Double?
    let citationRate: Double?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", runDate = "run_date", completedAt = "completed_at", results, avgVisibilityScore = "avg_visibility_score"
        case mentionRate = "mention_rate", citationRate = "citation_rate"
    }
}

extension TrendPoint: Row {
    init(row: RowReader) throws {
        runID = try row("run_id")
        runDate = VisibilityRun.day(try row("run_date", as: Date.self))
        completedAt = try row("completed_at")
        results = try row("results")
        avgVisibilityScore = try row("avg_visibility_score")
        mentionRate = try row("mention_rate")
        citationRate = try row("citation_rate")
    }
}

struct Trend: APIModel {
    let projectID: UUID
    let provider: String?
    let points: [TrendPoint]
    enum CodingKeys: String, CodingKey { case projectID = "project_id", provider, points }
    static let example = Trend(
        projectID: VisibilityRun.example.projectID, provider: nil,
        points: [TrendPoint(runID: VisibilityRun.example.id, runDate: "2026-09-21", completedAt: Date(timeIntervalSince1970: 1_790_000_900),
                            results: 12, avgVisibilityScore: 41.5, mentionRate: 0.583, citationRate: 0.167)])
}
