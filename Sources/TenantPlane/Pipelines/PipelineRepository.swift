import Foundation
import Logging
import PlatformCore

/// Pipelines as one caller reaches them: through their recordset's ACL (seeing the recordset shows
/// its pipeline; its admins change it; moving a record is editing it).
struct PipelineRepository {
    let db: TenantDatabase
    let logger: Logger
    let context: TenantContext

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        self.context = context
    }

    static let notFound = AppError.notFound("pipeline_not_found", "No pipeline with this id that you can see in this workspace.")
    static let exists = AppError.conflict("pipeline_exists", "This recordset has a pipeline already.")
    static let unknownStage = AppError.validation("Choose a stage of this pipeline.", fields: ["stage_id": "is not a stage of this pipeline"])

    private var select: SQLFragment {
        """
        SELECT p.id, p.recordset_id, p.name, p.description, p.value_field, p.created_by, p.created_at, p.updated_at,
               (SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'position', s.position, 'color', s.color,
                                                             'probability', s.probability) ORDER BY s.position), '[]')
                FROM \(db.table("pipeline_stages")) s WHERE s.pipeline_id = p.id) AS stages
        FROM \(db.table("pipelines")) p JOIN \(db.table("recordsets")) rs ON rs.id = p.recordset_id AND rs.deleted_at IS NULL
        """
    }

    func list() async throws -> [Pipeline] {
        try await db.all(PipelineRow.self, try "\(select) WHERE p.deleted_at IS NULL AND \(RecordsetAccess(context).visible(in: db)) ORDER BY p.created_at, p.id",
                         logger: logger).map(\.pipeline)
    }

    /// A live pipeline and the caller's levels on its recordset (404 unless they see it).
    func find(_ id: UUID) async throws -> (Pipeline, AccessibleRecordset) {
        let pipeline = try await db.first(PipelineRow.self, try "\(select) WHERE p.id = \(id) AND p.deleted_at IS NULL", logger: logger)
            .orNotFound(Self.notFound).pipeline
        let recordset = try await RecordsetRepository(context).find(.id(pipeline.recordsetID)).orNotFound(Self.notFound)
        return (pipeline, recordset)
    }

    func require(_ id: UUID, _ level: AccessLevels.CodingKeys) async throws -> Pipeline {
        let (pipeline, recordset) = try await find(id)
        guard recordset.levels[level] else { throw RecordsetRepository.denied(level) }
        return pipeline
    }

    func of(recordset key: RecordsetKey) async throws -> Pipeline {
        let recordset = try await RecordsetRepository(context).find(key).orNotFound(RecordsetRepository.notFound)
        return try await db.first(PipelineRow.self, try "\(select) WHERE p.recordset_id = \(recordset.recordset.id) AND p.deleted_at IS NULL", logger: logger)
            .orNotFound(Self.notFound).pipeline
    }

    /// A body naming another recordset than the path is refused.
    func create(in key: RecordsetKey, _ new: Pipeline.New) async throws -> Pipeline {
        let recordset = try await RecordsetRepository(context).require(key, .canAdmin).recordset
        guard new.recordsetID == nil || new.recordsetID == recordset.id else {
            throw AppError.validation("The body names another recordset than the path.", fields: ["recordset_id": "differs from the path"])
        }
        let id = try await db.transaction(logger: logger) { transaction in
            guard let id = try await transaction.value(UUID.self, """
                INSERT INTO \(transaction.table("pipelines")) (recordset_id, name, description, value_field, created_by)
                VALUES (\(recordset.id), \(new.name), \(new.description ?? ""), \(new.valueField), \(context.memberID))
                ON CONFLICT (recordset_id) WHERE deleted_at IS NULL DO NOTHING RETURNING id
                """, logger: logger)
            else { throw Self.exists }
            try await insertStages(new.stages.enumerated().map { ($0.offset, $0.element) }, into: id, transaction)
            return id
        }
        return try await find(id).0
    }

    private func insertStages(_ stages: [(Int, Pipeline.StageInput)], into pipeline: UUID, _ transaction: TenantTransaction) async throws {
        guard !stages.isEmpty else { return }
        try await transaction.execute("""
            INSERT INTO \(transaction.table("pipeline_stages")) (pipeline_id, name, position, color, probability)
            SELECT \(pipeline), * FROM unnest(\(stages.map(\.1.name))::text[], \(stages.map(\.0))::int[],
                                             \(stages.map { $0.1.color ?? "#64748b" })::text[], \(stages.map { $0.1.probability ?? 0 })::int[])
            """, logger: logger)
    }

    /// Changes the fields sent; a new stage list keeps the stages it names (renamed, recoloured,
    /// reordered), adds those without an id and removes the rest unless records are in them.
    func update(_ id: UUID, _ change: Pipeline.Change) async throws -> Pipeline {
        let pipeline = try await require(id, .canAdmin)
        try await db.transaction(logger: logger) { transaction in
            var changes = Assignments()
            changes.set("name", change.name)
            changes.set("description", change.description.clearingTo(""))
            changes.set("value_field", change.valueField)
            changes.setNow("updated_at")
            try await transaction.execute("UPDATE \(transaction.table("pipelines")) SET \(changes) WHERE id = \(id)", logger: logger)
            guard case .value(let stages) = change.stages else { return }
            let existing = Set(pipeline.stages.map(\.id))
            let kept = stages.compactMap(\.id)
            guard Set(kept).isSubset(of: existing) else {
                throw AppError.validation("A stage id is not one of this pipeline's.", fields: ["stages": "names a stage of another pipeline"])
            }
            let removed = Array(existing.subtracting(kept))
            if !removed.isEmpty {
                let occupied = try await transaction.all(IDRow.self, """
                    SELECT DISTINCT stage_id AS id FROM \(transaction.table("records")) WHERE stage_id = ANY(\(removed)) AND deleted_at IS NULL
                    """, logger: logger).map(\.id)
                guard occupied.isEmpty else {
                    throw AppError(.conflict, code: "stage_not_empty", message: "Move the records out of a stage before removing it.",
                                   details: ["stage_ids": .array(occupied.map { .string($0.uuidString.lowercased()) })])
                }
                try await transaction.execute("DELETE FROM \(transaction.table("pipeline_stages")) WHERE id = ANY(\(removed))", logger: logger)
            }
            for (position, stage) in stages.enumerated() {
                guard let stageID = stage.id else { continue }
                try await transaction.execute("""
                    UPDATE \(transaction.table("pipeline_stages"))
                    SET name = \(stage.name), position = \(position), color = coalesce(\(stage.color), color), probability = coalesce(\(stage.probability), probability)
                    WHERE id = \(stageID)
                    """, logger: logger)
            }
            try await insertStages(stages.enumerated().filter { $0.element.id == nil }.map { ($0.offset, $0.element) }, into: id, transaction)
        }
        return try await find(id).0
    }

    func delete(_ id: UUID) async throws {
        _ = try await require(id, .canAdmin)
        try await db.execute("UPDATE \(db.table("pipelines")) SET deleted_at = now(), updated_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Each stage's records (most recently changed first), `page` of them per stage, then those in none.
    func data(_ id: UUID, _ page: Page) async throws -> PipelineData {
        let pipeline = try await require(id, .canView)
        let rows = try await db.all(StagedRecord.self, """
            SELECT * FROM (
                SELECT r.*, x.stage AS column_stage, count(*) OVER (PARTITION BY x.stage)::int AS column_total,
                       row_number() OVER (PARTITION BY x.stage ORDER BY r.updated_at DESC, r.id) AS column_row
                FROM \(db.table("records")) r
                CROSS JOIN LATERAL (SELECT CASE WHEN r.stage_id = ANY(\(pipeline.stages.map(\.id))) THEN r.stage_id END AS stage) x
                WHERE r.recordset_id = \(pipeline.recordsetID) AND r.deleted_at IS NULL
            ) ranked
            WHERE column_row > \(page.offset) AND column_row <= \(page.offset + page.limit)
            ORDER BY column_row
            """, logger: logger)
        var items: [UUID?: [Record]] = [:]
        var totals: [UUID?: Int] = [:]
        for row in rows {
            items[row.stage, default: []].append(row.record)
            totals[row.stage] = row.total
        }
        var totalsBeyondPage = totals
        if page.offset > 0 {
            // A stage with fewer records than the offset has no row on this page: count it anyway.
            for row in try await db.all(StageCount.self, """
                SELECT CASE WHEN stage_id = ANY(\(pipeline.stages.map(\.id))) THEN stage_id END AS stage, count(*)::int AS total
                FROM \(db.table("records")) WHERE recordset_id = \(pipeline.recordsetID) AND deleted_at IS NULL GROUP BY 1
                """, logger: logger) { totalsBeyondPage[row.stage] = row.total }
        }
        let columns = pipeline.stages.map { stage in
            PipelineData.Column(stage: stage, total: totalsBeyondPage[stage.id] ?? 0, items: items[stage.id] ?? [])
        } + [PipelineData.Column(stage: nil, total: totalsBeyondPage[nil] ?? 0, items: items[nil] ?? [])]
        return PipelineData(pipelineID: id, columns: columns, limit: page.limit, offset: page.offset)
    }

    func stats(_ id: UUID) async throws -> PipelineStats {
        let pipeline = try await require(id, .canView)
        let path = pipeline.valueField.map { $0.split(separator: ".").map(String.init) }
        let counts = try await db.all(StageCount.self, """
            SELECT CASE WHEN stage_id = ANY(\(pipeline.stages.map(\.id))) THEN stage_id END AS stage, count(*)::int AS total,
                   coalesce(sum(CASE WHEN jsonb_typeof(data #> \(path)) = 'number' THEN (data #>> \(path))::numeric END), 0)::float8 AS value
            FROM \(db.table("records")) WHERE recordset_id = \(pipeline.recordsetID) AND deleted_at IS NULL GROUP BY 1
            """, logger: logger)
        let byStage = Dictionary(counts.map { ($0.stage, $0) }, uniquingKeysWith: { first, _ in first })
        var reached = Array(repeating: 0, count: pipeline.stages.count)
        var running = 0
        for (index, stage) in pipeline.stages.enumerated().reversed() {
            running += byStage[stage.id]?.total ?? 0
            reached[index] = running
        }
        let stages = pipeline.stages.enumerated().map { index, stage in
            let count = byStage[stage.id]
            let next = index + 1 < reached.count ? reached[index + 1] : nil
            return PipelineStats.StageStats(
                stageID: stage.id, name: stage.name, count: count?.total ?? 0, value: count?.value ?? 0,
                weightedValue: (count?.value ?? 0) * Double(stage.probability) / 100, reached: reached[index],
                conversionToNext: next.map { reached[index] == 0 ? 0 : Double($0) / Double(reached[index]) })
        }
        return PipelineStats(
            pipelineID: id, totalRecords: counts.reduce(0) { $0 + $1.total }, totalValue: counts.reduce(0) { $0 + ($1.value ?? 0) },
            unstaged: byStage[nil]?.total ?? 0, stages: stages)
    }

    /// Moves records into a stage, all or none: the rows are locked, each checked (in the
    /// pipeline's recordset, editable by the caller), then moved in one statement (each a version).
    func move(_ id: UUID, records ids: [UUID], to stage: UUID) async throws -> [Record] {
        let pipeline = try await require(id, .canView)
        guard pipeline.stages.contains(where: { $0.id == stage }) else { throw Self.unknownStage }
        let records = RecordRepository(context)
        let ids = Array(Set(ids)).sorted { $0.uuidString < $1.uuidString }
        return try await db.transaction(logger: logger) { transaction in
            try await transaction.execute(
                "SELECT id FROM \(transaction.table("records")) WHERE id = ANY(\(ids)) AND deleted_at IS NULL ORDER BY id FOR UPDATE", logger: logger)
            let found = Dictionary(uniqueKeysWithValues: try await records.accessible(ids, on: transaction).map { ($0.record.id, $0) })
            var refused: [JSONValue] = []
            for id in ids {
                let reason: String? = if let record = found[id], record.levels.canView, record.record.recordsetID == pipeline.recordsetID {
                    RecordRepository.Action.edit.allowed(record.levels, owns: records.owns(record.record)) ? nil : "can_edit"
                } else {
                    "not_found"
                }
                if let reason { refused.append(["id": .string(id.uuidString.lowercased()), "reason": .string(reason)]) }
            }
            guard refused.isEmpty else {
                if ids.count == 1, refused[0]["reason"] == "not_found" { throw RecordRepository.notFound }
                if ids.count == 1 { throw RecordsetRepository.denied(.canEdit) }
                throw RecordRepository.refusal(refused, code: "bulk_move_refused", "moved")
            }
            return try await transaction.all(Record.self, """
                UPDATE \(transaction.table("records")) SET stage_id = \(stage), updated_by = \(context.memberID), last_change = 'moved'
                WHERE id = ANY(\(ids)) AND deleted_at IS NULL RETURNING \(Record.columns)
                """, logger: logger)
        }
    }
}

struct PipelineRow: Row {
    let pipeline: Pipeline

    init(row: RowReader) throws {
        let stages: JSONValue = try row("stages")
        pipeline = Pipeline(
            id: try row("id"), recordsetID: try row("recordset_id"), name: try row("name"), description: try row("description"),
            valueField: try row("value_field"), stages: try stages.decoded(as: [Pipeline.Stage].self), createdBy: try row("created_by"),
            createdAt: try row("created_at"), updatedAt: try row("updated_at"))
    }
}

private struct StagedRecord: Row {
    let record: Record
    let stage: UUID?
    let total: Int

    init(row: RowReader) throws {
        record = try Record(row: row)
        stage = try row("column_stage")
        total = try row("column_total")
    }
}

private struct StageCount: Row {
    let stage: UUID?
    let total: Int
    let value: Double?

    init(row: RowReader) throws {
        stage = try row("stage")
        total = try row("total")
        value = try? row("value", as: Double.self)
    }
}
