import Foundation
import PlatformCore

/// The record list's query string, as sent.
struct RecordListQuery: QueryParameters {
    let recordsetID: UUID?
    let page: Page
    /// Words to find anywhere in the data (each matches the start of a word).
    let search: String?
    /// Any of these statuses (comma-separated).
    let status: [String]?
    /// Any of these tags (comma-separated).
    let tags: [String]?
    /// Keep only these data keys in each record (comma-separated).
    let fields: [String]?
    /// A column (`created_at`, `updated_at`, `version`, `status`) or a data field (`a.b` for nested).
    let sortBy: String?
    let sortOrder: SortOrder?
    /// JSON: `{"field": value}` (equality) or `{"field": {"op": value}}` or `[{"field", "operator", "value"}]`.
    let columnFilters: String?
    /// JSON, as column_filters, comparing numbers.
    let numericFilters: String?
    /// JSON, as column_filters, comparing ISO 8601 dates (`created_at`, `updated_at` are the record's own).
    let dateFilters: String?
    /// Leave out records dismissed from this tool's view.
    let tool: String?

    enum CodingKeys: String, CodingKey {
        case recordsetID = "recordset_id", page, search, status, tags, fields, sortBy = "sort_by", sortOrder = "sort_order"
        case columnFilters = "column_filters", numericFilters = "numeric_filters", dateFilters = "date_filters", tool
    }
}

/// One condition on a data field. Field names and values only ever become bind parameters.
struct FieldFilter: Equatable {
    enum Kind: String { case column = "column_filters", numeric = "numeric_filters", date = "date_filters" }
    enum Operator: String, CaseIterable { case eq, ne, gt, gte, lt, lte, `in`, contains, isNull = "is_null" }

    let kind: Kind
    /// The field's path in data: `["address", "city"]` for `address.city`.
    let path: [String]
    let op: Operator
    let value: JSONValue

    static let maximumCount = 20

    /// Parses one parameter's JSON; anything unexpected is a 400 naming it.
    static func parse(_ raw: String?, as kind: Kind) throws -> [FieldFilter] {
        guard let raw, !raw.isEmpty else { return [] }
        func invalid(_ why: String) -> AppError { .invalidQuery("\(kind.rawValue): \(why).") }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(raw.utf8)) else { throw invalid("must be JSON") }
        var filters: [FieldFilter] = []
        switch json {
        case .array(let items):
            for item in items {
                guard case .object(let fields) = item, case .string(let field)? = fields["field"],
                      case .string(let name)? = fields["operator"] ?? fields["op"] ?? .string("eq")
                else { throw invalid("each filter is {\"field\", \"operator\", \"value\"}") }
                guard let op = Operator(rawValue: name) else { throw invalid("unknown operator \(name.prefix(50))") }
                filters.append(try FieldFilter(kind: kind, field: field, op: op, value: fields["value"] ?? .null))
            }
        case .object(let fields):
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                if case .object(let operators) = value, !operators.isEmpty, operators.keys.allSatisfy({ Operator(rawValue: $0) != nil }) {
                    for (name, operand) in operators.sorted(by: { $0.key < $1.key }) {
                        filters.append(try FieldFilter(kind: kind, field: field, op: Operator(rawValue: name)!, value: operand))
                    }
                } else {
                    filters.append(try FieldFilter(kind: kind, field: field, op: .eq, value: value))
                }
            }
        default:
            throw invalid("must be a JSON object or array")
        }
        return filters
    }

    init(kind: Kind, field: String, op: Operator, value: JSONValue) throws {
        func invalid(_ why: String) -> AppError { .invalidQuery("\(kind.rawValue): \(field.prefix(50)) \(op.rawValue) \(why).") }
        let path = field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...200).contains(field.count), path.count <= 10, path.allSatisfy({ !$0.isEmpty }) else {
            throw AppError.invalidQuery("\(kind.rawValue): a field is 1 to 200 characters, dot-separated names.")
        }
        switch (op, value) {
        case (.isNull, .bool): break
        case (.isNull, _): throw invalid("takes true or false")
        case (.in, .array(let items)):
            guard !items.isEmpty, items.count <= 100 else { throw invalid("takes a list of 1 to 100 values") }
            for item in items { try Self.checkScalar(kind, item, invalid) }
        case (.in, _): throw invalid("takes a list")
        case (.contains, _) where kind != .column: throw invalid("is for column_filters only")
        case (.contains, .string), (.contains, .number), (.contains, .bool): break
        case (.contains, _): throw invalid("takes a string, number or boolean")
        default: try Self.checkScalar(kind, value, invalid)
        }
        self.kind = kind
        self.path = path
        self.op = op
        self.value = value
    }

    private static func checkScalar(_ kind: Kind, _ value: JSONValue, _ invalid: (String) -> AppError) throws {
        switch (kind, value) {
        case (.numeric, .number): break
        case (.numeric, _): throw invalid("takes a number")
        case (.date, .string(let text)) where FieldFilter.date(text) != nil: break
        case (.date, _): throw invalid("takes an ISO 8601 date or date-time")
        case (.column, .array), (.column, .object): throw invalid("takes a string, number, boolean or null")
        case (.column, _): break
        }
    }

    /// `2026-05-01` (midnight UTC) or a full ISO 8601 date-time.
    static func date(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return text.count == 10 ? day.date(from: text) : nil
    }
}

/// The record list's query, checked: what `RecordRepository.list` turns into SQL.
struct RecordQuery {
    let recordsetID: UUID?
    let page: Page
    let searchTerms: [String]
    let statuses: [String]
    let tags: [String]
    let fields: [String]?
    let sort: Sort
    let order: SortOrder
    let filters: [FieldFilter]
    let tool: String?

    enum Sort: Equatable {
        case column(Column)
        case field([String])
    }

    enum Column: String, CaseIterable { case createdAt = "created_at", updatedAt = "updated_at", version, status }

    init(_ query: RecordListQuery) throws {
        recordsetID = query.recordsetID
        page = query.page
        let search = (query.search ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard search.count <= 200 else { throw AppError.invalidQuery("search must be at most 200 characters.") }
        searchTerms = Array(search.split(whereSeparator: \.isWhitespace).prefix(10).map(String.init))
        statuses = query.status ?? []
        tags = query.tags ?? []
        guard statuses.count <= 50, tags.count <= 100 else { throw AppError.invalidQuery("status and tags take at most 50 and 100 values.") }
        fields = query.fields
        if let sortBy = query.sortBy {
            if let column = Column(rawValue: sortBy) {
                sort = .column(column)
            } else {
                let path = sortBy.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard (1...200).contains(sortBy.count), path.count <= 10, path.allSatisfy({ !$0.isEmpty }) else {
                    throw AppError.invalidQuery("sort_by is a column or a data field (1 to 200 characters, dot-separated names).")
                }
                sort = .field(path)
            }
        } else {
            sort = .column(.createdAt)
        }
        order = query.sortOrder ?? .asc
        filters = try FieldFilter.parse(query.columnFilters, as: .column) + FieldFilter.parse(query.numericFilters, as: .numeric)
            + FieldFilter.parse(query.dateFilters, as: .date)
        guard filters.count <= FieldFilter.maximumCount else {
            throw AppError.invalidQuery("At most \(FieldFilter.maximumCount) field filters at once.")
        }
        if let tool = query.tool, tool.range(of: "^[a-z][a-z0-9_-]{0,49}$", options: .regularExpression) == nil {
            throw AppError.invalidQuery("tool is lower-case letters, digits, _ and - (at most 50).")
        }
        tool = query.tool
    }

    /// Whether anything narrows the recordset's live records (else its exact count is the total).
    var narrows: Bool { !searchTerms.isEmpty || !statuses.isEmpty || !tags.isEmpty || !filters.isEmpty || tool != nil }

    /// The search as a `to_tsquery('simple', …)` text: every term, quoted, prefix-matched.
    var tsquery: String? {
        guard !searchTerms.isEmpty else { return nil }
        return searchTerms.map { "'" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "':*" }
            .joined(separator: " & ")
    }
}
