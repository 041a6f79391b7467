import Foundation
import PlatformCore

/// A question asked of the assistants for a project ([000] target query, [001] `query{}`). Its
/// text is unique in the project ignoring case; DELETE deactivates it (runs of "all queries"
/// skip it), PATCH `is_active: true` brings it back.
struct VisibilityQuery: APIModel, TableRow {
    let id: UUID
    let projectID: UUID
    let text: String
    let queryType: QueryType?
    let categoryTier: String?
    let queryFocus: String?
    let source: QuerySource
    let isActive: Bool
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, projectID = "project_id", text, queryType = "query_type", categoryTier = "category_tier", queryFocus = "query_focus", source
        case isActive = "is_active", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "project_id", "text", "query_type", "category_tier", "query_focus", "source", "is_active", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        projectID = try row("project_id")
        text = try row("text")
        queryType = try (row("query_type", as: String?.self)).flatMap(QueryType.init(rawValue:))
        categoryTier = try row("category_tier")
        queryFocus = try row("query_focus")
        source = try row("source")
        isActive = try row("is_active")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    private init(example: Void) {
        id = VisibilityExamples.queryID
        projectID = VisibilityExamples.projectID
        text = "What is the best CRM for a small agency?"
        queryType = .category
        categoryTier = "SAFETY"
        queryFocus = "PRODUCT"
        source = .manual
        isActive = true
        createdAt = VisibilityExamples.date
        updatedAt = VisibilityExamples.date
    }

    static let example = VisibilityQuery(example: ())

    /// One query of a batch, and the body of PUT.
    struct New: RequestBody, APIModel {
        var text: String
        var queryType: QueryType?
        /// An upper-case word, e.g. `SAFETY`.
        var categoryTier: String?
        /// An upper-case word, e.g. `PRODUCT`.
        var queryFocus: String?

        enum CodingKeys: String, CodingKey { case text, queryType = "query_type", categoryTier = "category_tier", queryFocus = "query_focus" }

        func checked(_ check: inout Validation, prefix: String) -> New {
            var new = self
            new.text = check.text(text, prefix + "text", length: 1...500)
            new.categoryTier = VisibilityInput.word(categoryTier, prefix + "category_tier", &check)
            new.queryFocus = VisibilityInput.word(queryFocus, prefix + "query_focus", &check)
            return new
        }

        func validated() throws -> New {
            var check = Validation()
            let new = checked(&check, prefix: "")
            try check.finish("The query is invalid.")
            return new
        }

        static let example = New(text: "What is the best CRM for a small agency?", queryType: .category, categoryTier: nil, queryFocus: "PRODUCT")

        /// PUT: the text and kind as sent, those left out cleared; the query is active again.
        var replacement: Change {
            Change(text: .value(text), queryType: queryType.map(Patch.value) ?? .null, categoryTier: categoryTier.map(Patch.value) ?? .null,
                   queryFocus: queryFocus.map(Patch.value) ?? .null, isActive: .value(true))
        }
    }

    /// `POST /projects/{id}/queries`: 1 to 200 queries.
    struct Batch: RequestBody, APIModel {
        var queries: [New]
        /// Default `MANUAL`.
        var source: QuerySource?

        func validated() throws -> Batch {
            var check = Validation()
            var batch = self
            check.require((1...VisibilityQuery.batchLimit).contains(queries.count), "queries", "must hold 1 to \(VisibilityQuery.batchLimit) queries")
            batch.queries = queries.enumerated().map { $0.element.checked(&check, prefix: "queries[\($0.offset)].") }
            batch.source = source ?? .manual
            try check.finish("The queries are invalid.")
            return batch
        }

        static let example = Batch(queries: [.example, New(text: "Acme vs Globex for agencies", queryType: .comparison, categoryTier: nil, queryFocus: nil)],
                                   source: nil)
    }

    static let batchLimit = 200

    /// PATCH: the fields sent change; null clears (`text` and `is_active` cannot be null).
    struct Change: RequestBody, APIModel {
        var text: Patch<String> = .absent
        var queryType: Patch<QueryType> = .absent
        var categoryTier: Patch<String> = .absent
        var queryFocus: Patch<String> = .absent
        var isActive: Patch<Bool> = .absent

        enum CodingKeys: String, CodingKey {
            case text, queryType = "query_type", categoryTier = "category_tier", queryFocus = "query_focus", isActive = "is_active"
        }

        init(text: Patch<String> = .absent, queryType: Patch<QueryType> = .absent, categoryTier: Patch<String> = .absent,
             queryFocus: Patch<String> = .absent, isActive: Patch<Bool> = .absent) {
            (self.text, self.queryType, self.categoryTier, self.queryFocus, self.isActive) = (text, queryType, categoryTier, queryFocus, isActive)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            text = try c.decode(Patch<String>.self, forKey: .text)
            queryType = try c.decode(Patch<QueryType>.self, forKey: .queryType)
            categoryTier = try c.decode(Patch<String>.self, forKey: .categoryTier)
            queryFocus = try c.decode(Patch<String>.self, forKey: .queryFocus)
            isActive = try c.decode(Patch<Bool>.self, forKey: .isActive)
        }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let value) = text { change.text = .value(check.text(value, "text", length: 1...500)) }
            check.require(text != .null, "text", "must not be null")
            if case .value(let value) = categoryTier { change.categoryTier = VisibilityInput.word(value, "category_tier", &check).map(Patch.value) ?? .null }
            if case .value(let value) = queryFocus { change.queryFocus = VisibilityInput.word(value, "query_focus", &check).map(Patch.value) ?? .null }
            check.require(isActive != .null, "is_active", "must not be null")
            try check.finish("The query change is invalid.")
            return change
        }

        static let example = Change(queryType: .value(.comparison), isActive: .value(true))
    }
}

/// What `POST /projects/{id}/queries` made, and what it skipped as a duplicate (of another query
/// of the batch, or of one the project has, active or not, ignoring case).
struct VisibilityQueryBatchResult: APIModel {
    struct Duplicate: APIModel {
        /// The text as sent (trimmed).
        let text: String
        /// `batch`: an earlier query of this batch has it; `existing`: the project has it.
        let reason: String
        /// The query that has the text, when it is the project's.
        let existingQueryID: UUID?
        /// Whether that query is active (an inactive one can be brought back with PATCH `is_active`).
        let existingIsActive: Bool?

        enum CodingKeys: String, CodingKey { case text, reason, existingQueryID = "existing_query_id", existingIsActive = "existing_is_active" }

        static let example = Duplicate(text: "acme vs globex for agencies", reason: "existing", existingQueryID: VisibilityExamples.queryID, existingIsActive: true)
    }

    let created: [VisibilityQuery]
    let duplicates: [Duplicate]

    static let example = VisibilityQueryBatchResult(created: [.example], duplicates: [.example])
}

/// `GET /projects/{id}/queries`: in the order they were added.
struct VisibilityQueryListQuery: QueryParameters {
    let page: Page
    /// `true`: only active queries; `false`: only deactivated ones; default both.
    let active: Bool?
}

/// A competing brand of a project: the answers are read for it too ("position among mentioned brands").
struct VisibilityCompetitor: APIModel, TableRow {
    let id: UUID
    let name: String
    let aliases: [String]
    let domains: [String]
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey { case id, name, aliases, domains, createdAt = "created_at", updatedAt = "updated_at" }

    static let columns: Columns = ["id", "name", "aliases", "domains", "created_at", "updated_at"]

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
        aliases = try row("aliases")
        domains = try row("domains")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    private init(example: Void) {
        id = VisibilityExamples.competitorID
        name = "Globex"
        aliases = ["Globex CRM"]
        domains = ["globex.com"]
        createdAt = VisibilityExamples.date
        updatedAt = VisibilityExamples.date
    }

    static let example = VisibilityCompetitor(example: ())

    static let limit = 100

    struct New: Codable, Sendable, Equatable {
        var name: String
        var aliases: [String]?
        var domains: [String]?
    }

    /// `PUT /projects/{id}/competitors`: the whole list (0 to 100); a competitor keeps its id while
    /// its name (ignoring case) stays in the list.
    struct Replacement: RequestBody, APIModel {
        var competitors: [New]

        func validated() throws -> Replacement {
            var check = Validation()
            var replacement = self
            check.require(competitors.count <= VisibilityCompetitor.limit, "competitors", "at most \(VisibilityCompetitor.limit)")
            replacement.competitors = competitors.enumerated().map { index, competitor in
                let prefix = "competitors[\(index)]."
                return New(name: check.text(competitor.name, prefix + "name", length: 1...200),
                           aliases: VisibilityInput.names(competitor.aliases ?? [], prefix + "aliases", &check),
                           domains: VisibilityInput.domains(competitor.domains ?? [], prefix + "domains", &check))
            }
            let names = replacement.competitors.map { $0.name.lowercased() }
            check.require(Set(names).count == names.count, "competitors", "names a competitor twice (ignoring case)")
            try check.finish("The competitors are invalid.")
            return replacement
        }

        static let example = Replacement(competitors: [New(name: "Globex", aliases: ["Globex CRM"], domains: ["globex.com"])])
    }
}
