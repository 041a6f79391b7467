import Foundation
import PlatformCore

/// A recordset's pipeline: ordered stages its records move through. One live pipeline per
/// recordset; deleting one is soft.
struct Pipeline: APIModel {
    let id: UUID
    let recordsetID: UUID
    let name: String
    let description: String
    /// The numeric data field the stats sum per stage (`amount`, or `deal.value` for a nested one).
    let valueField: String?
    let stages: [Stage]
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", name, description, valueField = "value_field", stages, createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    struct Stage: APIModel, TableRow, Equatable {
        let id: UUID
        let name: String
        let position: Int
        let color: String
        /// Percent chance a record here is won, for weighted values.
        let probability: Int

        static let columns: Columns = ["id", "name", "position", "color", "probability"]

        init(row: RowReader) throws {
            id = try row("id")
            name = try row("name")
            position = try row("position")
            color = try row("color")
            probability = try row("probability")
        }

        init(id: UUID, name: String, position: Int, color: String, probability: Int) {
            (self.id, self.name, self.position, self.color, self.probability) = (id, name, position, color, probability)
        }

        static let example = Stage(id: UUID(uuidString: "4b3a2918-0f7e-4d5c-8b4a-392817f6e5d4")!, name: "Qualified", position: 1, color: "#22c55e", probability: 40)
    }

    static let example = Pipeline(
        id: UUID(uuidString: "9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b")!, recordsetID: Recordset.example.id, name: "Sales", description: "",
        valueField: "amount", stages: [.example], createdBy: Record.example.createdBy, createdAt: Record.example.createdAt, updatedAt: Record.example.createdAt)

    /// A stage as sent: with the id of an existing stage to keep it (and its records), without to add one.
    struct StageInput: Codable, Sendable, Equatable {
        let id: UUID?
        let name: String
        let color: String?
        let probability: Int?
    }

    static func check(stages: [StageInput], _ check: inout Validation) -> [StageInput] {
        check.require((1...50).contains(stages.count), "stages", "must have 1 to 50 stages")
        let cleaned = stages.map { StageInput(id: $0.id, name: $0.name.trimmingCharacters(in: .whitespacesAndNewlines), color: $0.color, probability: $0.probability) }
        check.require(cleaned.allSatisfy { (1...200).contains($0.name.count) }, "stages", "each stage needs a name of 1 to 200 characters")
        check.require(cleaned.allSatisfy { $0.color.map { $0.range(of: "^#[0-9a-fA-F]{6}$", options: .regularExpression) != nil } ?? true },
                      "stages", "a colour is #rrggbb")
        check.require(cleaned.allSatisfy { (0...100).contains($0.probability ?? 0) }, "stages", "a probability is 0 to 100")
        let ids = cleaned.compactMap(\.id)
        check.require(Set(ids).count == ids.count, "stages", "names a stage twice")
        return cleaned
    }

    static func check(valueField: String?, _ check: inout Validation) {
        guard let valueField else { return }
        check.require((1...200).contains(valueField.count) && !valueField.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty),
                      "value_field", "is a data field (1 to 200 characters, dot-separated names)")
    }

    struct New: RequestBody, APIModel {
        /// Required on `POST /pipelines`; the path gives it elsewhere.
        var recordsetID: UUID?
        var name: String
        var description: String?
        var valueField: String?
        var stages: [StageInput]

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", name, description, valueField = "value_field", stages }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.name = check.text(name, "name", length: 1...200)
            new.description = check.text(description ?? "", "description", length: 0...2000)
            Pipeline.check(valueField: valueField, &check)
            new.stages = Pipeline.check(stages: stages, &check)
            check.require(stages.allSatisfy { $0.id == nil }, "stages", "new stages have no id")
            try check.finish("The pipeline is invalid.")
            return new
        }

        static let example = New(
            recordsetID: Recordset.example.id, name: "Sales", description: nil, valueField: "amount",
            stages: [StageInput(id: nil, name: "Lead", color: "#64748b", probability: 10), StageInput(id: nil, name: "Won", color: "#22c55e", probability: 100)])
    }

    /// PUT sends every field; PATCH only those to change. `stages` replaces the list: stages sent
    /// with their id keep their records, stages left out are removed (refused while records are in
    /// them).
    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var description: Patch<String>
        var valueField: Patch<String>
        var stages: Patch<[StageInput]>

        enum CodingKeys: String, CodingKey { case name, description, valueField = "value_field", stages }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let name) = name { change.name = .value(check.text(name, "name", length: 1...200)) }
            if case .value(let text) = description { change.description = .value(check.text(text, "description", length: 0...2000)) }
            if case .value(let field) = valueField { Pipeline.check(valueField: field, &check) }
            if case .value(let stages) = stages { change.stages = .value(Pipeline.check(stages: stages, &check)) }
            check.require(name != .null, "name", "must not be null")
            check.require(stages != .null, "stages", "must not be null")
            try check.finish("The pipeline change is invalid.")
            return change
        }

        static let example = Change(name: .value("Sales 2027"), description: .absent, valueField: .absent, stages: .absent)
    }

    /// PUT: the whole pipeline as `New` has it (its recordset stays).
    struct Replacement: RequestBody, APIModel {
        var name: String
        var description: String?
        var valueField: String?
        var stages: [StageInput]

        enum CodingKeys: String, CodingKey { case name, description, valueField = "value_field", stages }

        func validated() throws -> Replacement {
            var check = Validation()
            var replacement = self
            replacement.name = check.text(name, "name", length: 1...200)
            replacement.description = check.text(description ?? "", "description", length: 0...2000)
            Pipeline.check(valueField: valueField, &check)
            replacement.stages = Pipeline.check(stages: stages, &check)
            try check.finish("The pipeline is invalid.")
            return replacement
        }

        var change: Change {
            Change(name: .value(name), description: .value(description ?? ""), valueField: valueField.map(Patch.value) ?? .null, stages: .value(stages))
        }

        static let example = Replacement(name: "Sales", description: nil, valueField: "amount", stages: New.example.stages)
    }

    struct Move: RequestBody, APIModel {
        let recordID: UUID
        let stageID: UUID
        enum CodingKeys: String, CodingKey { case recordID = "record_id", stageID = "stage_id" }
        static let example = Move(recordID: Record.example.id, stageID: Stage.example.id)
    }

    struct BulkMove: RequestBody, APIModel {
        let recordIDs: [UUID]
        let stageID: UUID
        enum CodingKeys: String, CodingKey { case recordIDs = "record_ids", stageID = "stage_id" }
        func validated() throws -> BulkMove {
            var check = Validation()
            check.require((1...1000).contains(recordIDs.count), "record_ids", "must name 1 to 1000 records")
            try check.finish("The move is invalid.")
            return self
        }
        static let example = BulkMove(recordIDs: [Record.example.id], stageID: Stage.example.id)
    }

    struct Moved: APIModel {
        let moved: Int
        let recordIDs: [UUID]
        enum CodingKeys: String, CodingKey { case moved, recordIDs = "record_ids" }
        static let example = Moved(moved: 1, recordIDs: [Record.example.id])
    }
}

struct PipelineList: APIModel {
    let items: [Pipeline]
    static let example = PipelineList(items: [.example])
}

/// `GET /pipelines/{id}/data`: the records of each stage, paged per stage, then those in no stage.
struct PipelineData: APIModel {
    struct Column: APIModel {
        /// Nil for the records in no stage of this pipeline.
        let stage: Pipeline.Stage?
        let total: Int
        let items: [Record]
        static let example = Column(stage: .example, total: 1, items: [.example])
    }

    let pipelineID: UUID
    let columns: [Column]
    let limit: Int
    let offset: Int

    enum CodingKeys: String, CodingKey { case pipelineID = "pipeline_id", columns, limit, offset }
    static let example = PipelineData(pipelineID: Pipeline.example.id, columns: [.example], limit: 50, offset: 0)
}

/// `GET /pipelines/{id}/stats`: per stage, how many records and their value; the funnel between stages.
struct PipelineStats: APIModel {
    struct StageStats: APIModel {
        let stageID: UUID
        let name: String
        let count: Int
        /// The sum of the value field over the stage's records (numbers only).
        let value: Double
        /// `value` × the stage's probability.
        let weightedValue: Double
        /// Records that reached this stage or a later one.
        let reached: Int
        /// Of those that reached this stage, the share that reached the next (nil for the last stage).
        let conversionToNext: Double?

        enum CodingKeys: String, CodingKey {
            case stageID = "stage_id", name, count, value, weightedValue = "weighted_value", reached, conversionToNext = "conversion_to_next"
        }

        static let example = StageStats(stageID: Pipeline.Stage.example.id, name: "Qualified", count: 4, value: 12_000, weightedValue: 4_800, reached: 6, conversionToNext: 0.5)
    }

    let pipelineID: UUID
    let totalRecords: Int
    let totalValue: Double
    let unstaged: Int
    let stages: [StageStats]

    enum CodingKeys: String, CodingKey { case pipelineID = "pipeline_id", totalRecords = "total_records", totalValue = "total_value", unstaged, stages }
    static let example = PipelineStats(pipelineID: Pipeline.example.id, totalRecords: 6, totalValue: 12_000, unstaged: 0, stages: [.example])
}
