import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// The records of live recordsets the caller can see (`RecordsetAccess`). Deleting is soft
/// (status `deleted`); every change of content is a version (the table's triggers keep them).
struct RecordRepository {
    let db: TenantDatabase
    let logger: Logger
    let access: RecordsetAccess
    let member: UUID?
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        access = RecordsetAccess(context)
        member = context.memberID
        self.context = context
    }

    static let notFound = AppError.notFound("record_not_found", "No record with this id that you can see in this workspace.")
    /// The limit `records_data_size` (tenant migration 0012) holds every write to.
    static let maximumDataBytes = 262_144
    static let tooLarge = AppError(
        .contentTooLarge, code: "record_too_large", message: "A record's data may be at most 256 KB of JSON; this write would make it larger.",
        details: ["limit": "record_size", "limit_bytes": .number(Double(maximumDataBytes))])
    static let unknownStage = AppError.validation("The stage is not in this recordset's pipeline.", fields: ["stage_id": "is not a stage of the recordset's pipeline"])

    /// What a caller does to a record, and the levels that allow it.
    enum Action {
        case view, edit, delete

        func allowed(_ levels: AccessLevels, owns: Bool) -> Bool {
            switch self {
            case .view: levels.canView
            case .edit: levels.canEdit || (levels.canEditOwn && owns)
            case .delete: levels.canDelete || (levels.canDeleteOwn && owns)
            }
        }

        var level: AccessLevels.CodingKeys {
            switch self {
            case .view: .canView
            case .edit: .canEdit
            case .delete: .canDelete
            }
        }
    }

    // MARK: Reading

    private var recordsFrom: SQLFragment {
        "FROM \(db.table("records")) r JOIN \(db.table("recordsets")) rs ON rs.id = r.recordset_id AND rs.deleted_at IS NULL"
    }

    /// Live records with the caller's levels on their recordsets, one query.
    func accessible(_ ids: [UUID], on db: some TenantQueryable) async throws -> [AccessibleRecord] {
        // Statements are prepared, and a generic plan for `= ANY($1)` guesses ten ids: it scanned
        // the whole table where one id reads one index entry.
        let match: SQLFragment = ids.count == 1 ? "r.id = \(ids[0])" : "r.id = ANY(\(ids))"
        let rows = try await db.all(AccessibleRecordRow.self, try """
            SELECT r.*, rs.created_by AS recordset_owner, g.can_view, g.can_create, g.can_edit, g.can_edit_own, g.can_delete, g.can_delete_own, g.can_admin
            FROM \(db.table("records")) r JOIN \(db.table("recordsets")) rs ON rs.id = r.recordset_id AND rs.deleted_at IS NULL
            LEFT JOIN \(access.grantsJoin(db))
            WHERE \(match) AND r.deleted_at IS NULL
            """, logger: logger)
        return rows.map { AccessibleRecord(record: $0.record.record, levels: access.levels(owner: $0.owner, granted: $0.record.levels)) }
    }

    /// The record if the caller may do `action` to it: 404 when they cannot see it, 403 otherwise.
    func require(_ id: UUID, _ action: Action) async throws -> AccessibleRecord {
        guard let found = try await accessible([id], on: db).first, found.levels.canView else { throw Self.notFound }
        guard action.allowed(found.levels, owns: owns(found.record)) else {
            throw RecordsetRepository.denied(action == .view ? .canView : action == .edit ? .canEdit : .canDelete)
        }
        return found
    }

    /// All or nothing refused: 404 when a record named is absent (or unseen), else 403; either way
    /// every refused id is named with its reason and nothing was changed.
    static func refusal(_ refused: [JSONValue], code: String, _ verb: String) -> AppError {
        let missing = refused.contains { $0["reason"] == "not_found" }
        let message = "\(refused.count) of the records cannot be \(verb) by you; none was \(verb)."
        return AppError(missing ? .notFound : .forbidden, code: missing ? notFound.code : code, message: message, details: ["refused": .array(refused)])
    }

    /// A person's own record (a key, though it writes as its creator, owns nothing).
    func owns(_ record: Record) -> Bool { access.member != nil && record.createdBy == access.member }

    func find(_ id: UUID) async throws -> Record { try await require(id, .view).record }

    /// A page of records: the total first (the recordset's exact count when nothing narrows it,
    /// else one count), then the page. A filter that keeps few rows is sorted from its matches
    /// (a materialised scan of an index); one that keeps many walks the sort order's index.
    func list(_ query: RecordQuery) async throws -> ListResponse<Record> {
        var conditions: [SQLFragment] = ["r.deleted_at IS NULL", access.visible(in: db)]
        var knownTotal: Int?
        var scope: Int?
        if let recordsetID = query.recordsetID {
            let recordset = try await RecordsetRepository(context).find(.id(recordsetID)).orNotFound(RecordsetRepository.notFound)
            conditions.append("r.recordset_id = \(recordsetID)")
            scope = recordset.recordset.recordCount
            if !query.narrows { knownTotal = scope }
        }
        if !query.statuses.isEmpty { conditions.append("r.status = ANY(\(query.statuses))") }
        if !query.tags.isEmpty { conditions.append("r.tags && \(query.tags)") }
        if let tsquery = query.tsquery {
            conditions.append("""
                jsonb_to_tsvector('simple'::regconfig, r.data, '["string", "numeric"]') @@ to_tsquery('simple'::regconfig, \(tsquery))
                """)
        }
        if let tool = query.tool {
            conditions.append("NOT EXISTS (SELECT 1 FROM \(db.table("record_dismissals")) d WHERE d.tool = \(tool) AND d.record_id = r.id)")
        }
        conditions += query.filters.map(condition)
        let from: SQLFragment = "\(recordsFrom) WHERE \(SQLFragment(joining: conditions, separator: "AND"))"
        let total: Int
        if let knownTotal { total = knownTotal } else { total = try await db.count(from, logger: logger) }
        guard total > query.page.offset else { return ListResponse(items: [], total: total, page: query.page) }

        let sql = RecordListPlan.page(from, order: Self.order(query.sort, query.order), page: query.page, total: total, of: scope)
        var items = try await db.all(Record.self, try sql.query, logger: logger)
        if let fields = query.fields {
            let keep = Set(fields)
            for index in items.indices { items[index].data.fields = items[index].data.fields.filter { keep.contains($0.key) } }
        }
        return ListResponse(items: items, total: total, page: query.page)
    }

    static func order(_ sort: RecordQuery.Sort, _ order: SortOrder) -> SQLFragment {
        let descending = order == .desc
        switch sort {
        case .column(let column):
            let expression: SQLFragment = switch column {
            case .createdAt: "r.created_at"
            case .updatedAt: "r.updated_at"
            case .version: "r.version"
            case .status: "r.status"
            }
            return descending ? "\(expression) DESC, r.id DESC" : "\(expression), r.id"
        case .field(let path):
            // JSON null sorts with the missing values, last either way.
            return descending ? "nullif(r.data #> \(path), 'null') DESC NULLS LAST, r.id DESC" : "nullif(r.data #> \(path), 'null'), r.id"
        }
    }

    /// One field filter as SQL. The field's path and the operand are bind parameters; only the
    /// operator, chosen from a closed set, picks the SQL text.
    func condition(_ filter: FieldFilter) -> SQLFragment {
        let path = filter.path
        let value: SQLFragment = "(r.data #> \(path))"
        let text: SQLFragment = "(r.data #>> \(path))"
        if filter.op == .isNull, case .bool(let isNull) = filter.value {
            return "((\(value) IS NULL OR \(value) = 'null'::jsonb) = \(isNull))"
        }
        switch filter.kind {
        case .column:
            if case .number = filter.value, [.gt, .gte, .lt, .lte].contains(filter.op) { return Self.numeric(filter) }
            let containment = path.reversed().reduce(filter.value) { inner, key in .object([key: inner]) }
            switch filter.op {
            case .eq: return "r.data @> \(containment)"
            case .ne: return "NOT (r.data @> \(containment))"
            case .in: return "\(filter.value) @> jsonb_build_array(\(value))"
            case .contains:
                let pattern = LikePattern.containing(filter.value.plainText) ?? "%"
                return """
                    (CASE jsonb_typeof(\(value)) WHEN 'array' THEN \(value) @> jsonb_build_array(\(filter.value))
                     WHEN 'string' THEN \(text) ILIKE \(pattern) ELSE false END)
                    """
            default: return Self.compare(text, filter.op, "\(filter.value.plainText ?? "")")
            }
        case .numeric:
            if case .array(let items) = filter.value {
                return "\(Self.number(value, text)) = ANY(\(items.compactMap(\.numberValue))::numeric[])"
            }
            return Self.numeric(filter)
        case .date:
            let instant: SQLFragment = switch path {
            case ["created_at"]: "r.created_at"
            case ["updated_at"]: "r.updated_at"
            default: "(CASE WHEN jsonb_typeof(\(value)) = 'string' THEN \(db.function("as_timestamptz"))(\(text)) END)"
            }
            let date: SQLFragment = instant
            if case .array(let items) = filter.value {
                return "\(date) = ANY(\(items.compactMap { $0.plainText.flatMap(FieldFilter.date) }))"
            }
            return Self.compare(date, filter.op, "\(filter.value.plainText.flatMap(FieldFilter.date) ?? Date(timeIntervalSince1970: 0))")
        }
    }

    /// A number compared by a JSON path predicate, evaluated in one pass over the row (a third
    /// faster than extracting, type-checking and casting the value): `$."amount" >= $v`. A value
    /// that is not a number (or an array without one that compares) is unknown, so not matched.
    /// The path and the operand are bound; the field's names are quoted inside the path.
    private static func numeric(_ filter: FieldFilter) -> SQLFragment {
        let op = switch filter.op {
        case .eq: "=="
        case .ne: "!="
        case .gt: ">"
        case .gte: ">="
        case .lt: "<"
        default: "<="
        }
        let path = "$" + filter.path.map { "." + jsonPathString($0) }.joined() + " \(op) $v"
        return "jsonb_path_match(r.data, \(path)::jsonpath, \(JSONValue.object(["v": filter.value])), true)"
    }

    /// A JSON path string literal: quoted, with `"`, `\` and control characters escaped.
    static func jsonPathString(_ name: String) -> String {
        var quoted = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: quoted += String(format: "\\u%04x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func number(_ value: SQLFragment, _ text: SQLFragment) -> SQLFragment {
        "(CASE WHEN jsonb_typeof(\(value)) = 'number' THEN \(text)::numeric END)"
    }

    private static func compare(_ left: SQLFragment, _ op: FieldFilter.Operator, _ right: SQLFragment) -> SQLFragment {
        switch op {
        case .eq: "\(left) = \(right)"
        case .ne: "\(left) <> \(right)"
        case .gt: "\(left) > \(right)"
        case .gte: "\(left) >= \(right)"
        case .lt: "\(left) < \(right)"
        case .lte: "\(left) <= \(right)"
        case .in, .contains, .isNull: "false"
        }
    }

    // MARK: Writing

    func create(_ new: Record.New) async throws -> Record {
        let recordset = try await RecordsetRepository(context).require(.id(new.recordsetID), .canCreate).recordset
        if let stage = new.stageID { try await checkStage(stage, in: recordset.id) }
        let quota = try await context.quota(.records)
        guard let record = try await Self.sized({ try await db.first(Record.self, """
            WITH \(quota.lock)
            INSERT INTO \(db.table("records")) (recordset_id, data, status, tags, stage_id, created_by, updated_by, last_change)
            SELECT \(recordset.id), \(new.data), \(new.status ?? "active"), \(new.tags ?? []), \(new.stageID), \(member), \(member), 'created'
            WHERE \(quota.allows())
            RETURNING \(Record.columns)
            """, logger: logger) })
        else { throw try await quota.refusal(on: db, logger: logger) }
        return record
    }

    func checkStage(_ stage: UUID, in recordset: UUID) async throws {
        let known = try await db.value(Bool.self, """
            SELECT EXISTS (SELECT 1 FROM \(db.table("pipeline_stages")) s JOIN \(db.table("pipelines")) p ON p.id = s.pipeline_id AND p.deleted_at IS NULL
                           WHERE s.id = \(stage) AND p.recordset_id = \(recordset))
            """, logger: logger)
        guard known == true else { throw Self.unknownStage }
    }

    /// Applies `changes` to a record the caller may edit; the triggers version it.
    func update(_ id: UUID, _ changes: Assignments, as change: StaticString) async throws -> Record {
        _ = try await require(id, .edit)
        var changes = changes
        changes.set("updated_by", member.map(Patch.value) ?? .null)
        changes.set("last_change", to: "\(change)")
        return try await Self.sized { try await db.first(Record.self, """
            UPDATE \(db.table("records")) SET \(changes) WHERE id = \(id) AND deleted_at IS NULL RETURNING \(Record.columns)
            """, logger: logger) }.orNotFound(Self.notFound)
    }

    /// A write refused by `records_data_size` is the caller's 413, naming the limit.
    static func sized<T>(isolation: isolated (any Actor)? = #isolation, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23514" && error.serverInfo?[.constraintName] == "records_data_size" {
            throw tooLarge
        }
    }

    func replace(_ id: UUID, _ replacement: Record.Replacement) async throws -> Record {
        var changes = Assignments()
        changes.set("data", to: replacement.data)
        changes.set("status", to: replacement.status ?? "active")
        changes.set("tags", to: replacement.tags ?? [])
        return try await update(id, changes, as: "replaced")
    }

    func merge(_ id: UUID, _ change: Record.Change) async throws -> Record {
        var changes = Assignments()
        if case .value(let data) = change.data { changes.set("data", expression: "data || \(data)") }
        changes.set("status", change.status)
        changes.set("tags", change.tags.clearingTo([]))
        return try await update(id, changes, as: "updated")
    }

    func delete(_ id: UUID) async throws {
        _ = try await require(id, .delete)
        guard try await db.execute("""
            UPDATE \(db.table("records")) SET status = 'deleted', deleted_at = now(), updated_by = \(member), last_change = 'deleted'
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """, logger: logger) == 1
        else { throw Self.notFound }
    }

    /// All or nothing: the rows are locked, every one checked, and only then deleted in one
    /// statement; any refused record (absent, unseen, or without the level) names itself in the 403.
    func bulkDelete(_ request: Record.BulkDelete) async throws -> Record.BulkDeleted {
        if request.all == true, let recordsetID = request.recordsetID {
            let recordset = try await RecordsetRepository(context).require(.id(recordsetID), .canDelete).recordset
            let ids = try await db.all(IDRow.self, """
                UPDATE \(db.table("records")) SET status = 'deleted', deleted_at = now(), updated_by = \(member), last_change = 'deleted'
                WHERE recordset_id = \(recordset.id) AND deleted_at IS NULL RETURNING id
                """, logger: logger).map(\.id)
            return Record.BulkDeleted(deleted: ids.count, recordIDs: ids)
        }
        let ids = Array(Set(request.recordIDs ?? [])).sorted { $0.uuidString < $1.uuidString }
        return try await db.transaction(logger: logger) { transaction in
            try await transaction.execute(
                "SELECT id FROM \(transaction.table("records")) WHERE id = ANY(\(ids)) AND deleted_at IS NULL ORDER BY id FOR UPDATE", logger: logger)
            let found = Dictionary(uniqueKeysWithValues: try await accessible(ids, on: transaction).map { ($0.record.id, $0) })
            var refused: [JSONValue] = []
            for id in ids {
                guard let record = found[id], record.levels.canView else {
                    refused.append(["id": .string(id.uuidString.lowercased()), "reason": "not_found"])
                    continue
                }
                if let only = request.recordsetID, record.record.recordsetID != only {
                    refused.append(["id": .string(id.uuidString.lowercased()), "reason": "other_recordset"])
                } else if !Action.delete.allowed(record.levels, owns: owns(record.record)) {
                    refused.append(["id": .string(id.uuidString.lowercased()), "reason": "can_delete"])
                }
            }
            guard refused.isEmpty else { throw Self.refusal(refused, code: "bulk_delete_refused", "deleted") }
            let deleted = try await transaction.all(IDRow.self, """
                UPDATE \(transaction.table("records")) SET status = 'deleted', deleted_at = now(), updated_by = \(member), last_change = 'deleted'
                WHERE id = ANY(\(ids)) AND deleted_at IS NULL RETURNING id
                """, logger: logger).map(\.id)
            return Record.BulkDeleted(deleted: deleted.count, recordIDs: deleted)
        }
    }
}

/// A record row with its recordset's owner and the caller's grant columns.
struct AccessibleRecordRow: Row {
    let record: AccessibleRecord
    let owner: UUID?

    init(row: RowReader) throws {
        record = try AccessibleRecord(row: row)
        owner = try row("recordset_owner")
    }
}

struct IDRow: Row {
    let id: UUID
    init(row: RowReader) throws { id = try row("id") }
}

extension JSONValue {
    /// A scalar as text (`true`, `42`, `Ada`); nil for null, arrays and objects.
    var plainText: String? {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        default: nil
        }
    }
}
