import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// Pipelines: stages, records grouped by stage, stats, moves (atomic, versioned, concurrent).
@Suite struct PipelineTests {
    @Test func stagesDataStatsAndChanges() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Deals"], headers: headers).json["id"]?.stringValue)
            let created = try await client.request(.post, "/api/v1/pipelines/recordset/\(set)", json: [
                "name": "Sales", "value_field": "deal.amount",
                "stages": [["name": "Lead", "probability": 10], ["name": "Qualified", "color": "#22c55e", "probability": 50], ["name": "Won", "probability": 100]],
            ], headers: headers)
            #expect(created.status == .created)
            let pipeline = try #require(created.json["id"]?.stringValue)
            let stages = created.json["stages"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(stages.count == 3 && created.json["stages"]?[1]?["color"] == "#22c55e" && created.json["stages"]?[2]?["position"]?.intValue == 2)
            #expect(try await client.request(.post, "/api/v1/pipelines", json: ["recordset_id": .string(set), "name": "Again", "stages": [["name": "A"]]], headers: headers)
                .errorCode == "pipeline_exists")
            #expect(try await client.request(.post, "/api/v1/pipelines", json: ["name": "No set", "stages": [["name": "A"]]], headers: headers).status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/pipelines/recordset/\(set)", headers: headers).json["id"]?.stringValue == pipeline)
            #expect(try await client.request(.get, "/api/v1/recordsets/deals/pipeline", headers: headers).json["id"]?.stringValue == pipeline)
            #expect(try await client.request(.get, "/api/v1/pipelines", headers: headers).json["items"]?.arrayValue?.count == 1)

            // Six records: amounts 100…600; stages Lead ×3, Qualified ×2, Won ×1, one unstaged.
            var records: [String] = []
            for (index, stage) in [0, 0, 0, 1, 1, 2].enumerated() {
                let record = try await client.request(.post, "/api/v1/records", json: [
                    "recordset_id": .string(set), "data": ["deal": ["amount": .number(Double((index + 1) * 100))]], "stage_id": .string(stages[stage]),
                ], headers: headers)
                #expect(record.status == .created)
                records.append(try #require(record.json["id"]?.stringValue))
            }
            _ = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": ["deal": ["amount": "n/a"]]], headers: headers)
            #expect(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": [:], "stage_id": .string(UUID().uuidString)], headers: headers)
                .status == .unprocessableContent)

            let data = try await client.request(.get, "/api/v1/pipelines/\(pipeline)/data?limit=2", headers: headers)
            let columns = data.json["columns"]?.arrayValue ?? []
            #expect(columns.count == 4)
            #expect(columns.compactMap { $0["total"]?.intValue } == [3, 2, 1, 1])
            #expect(columns.compactMap { $0["items"]?.arrayValue?.count } == [2, 2, 1, 1], "paged per stage")
            #expect(columns[3]["stage"] == nil, "the unstaged column")
            let second = try await client.request(.get, "/api/v1/pipelines/\(pipeline)/data?limit=2&offset=2", headers: headers)
            #expect(second.json["columns"]?.arrayValue?.compactMap { $0["items"]?.arrayValue?.count } == [1, 0, 0, 0])
            #expect(second.json["columns"]?.arrayValue?.compactMap { $0["total"]?.intValue } == [3, 2, 1, 1], "totals on every page")

            let stats = try await client.request(.get, "/api/v1/pipelines/\(pipeline)/stats", headers: headers)
            #expect(stats.json["total_records"]?.intValue == 7 && stats.json["unstaged"]?.intValue == 1)
            #expect(stats.json["total_value"]?.numberValue == 2_100)
            let perStage = stats.json["stages"]?.arrayValue ?? []
            #expect(perStage.compactMap { $0["count"]?.intValue } == [3, 2, 1])
            #expect(perStage.compactMap { $0["value"]?.numberValue } == [600, 900, 600])
            #expect(perStage.compactMap { $0["weighted_value"]?.numberValue } == [60, 450, 600])
            #expect(perStage.compactMap { $0["reached"]?.intValue } == [6, 3, 1])
            #expect(perStage[0]["conversion_to_next"]?.numberValue == 0.5 && perStage[2]["conversion_to_next"] == nil)

            // Stages are renamed, reordered, added and removed by sending the list; an occupied one stays.
            let refused = try await client.request(.patch, "/api/v1/pipelines/\(pipeline)", json: [
                "stages": [["id": .string(stages[0]), "name": "Lead"], ["id": .string(stages[1]), "name": "Qualified"]],
            ], headers: headers)
            #expect(refused.errorCode == "stage_not_empty" && refused.json["error"]?["details"]?["stage_ids"] == [.string(stages[2])])
            _ = try await client.request(.post, "/api/v1/pipelines/\(pipeline)/move", json: ["record_id": .string(records[5]), "stage_id": .string(stages[1])], headers: headers)
            let changed = try await client.request(.put, "/api/v1/pipelines/\(pipeline)", json: [
                "name": "Sales 2027",
                "stages": [["id": .string(stages[1]), "name": "Qualified lead"], ["id": .string(stages[0]), "name": "Lead"], ["name": "Closed", "probability": 100]],
            ], headers: headers)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(changed.json["stages"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Qualified lead", "Lead", "Closed"])
            #expect(changed.json["stages"]?[0]?["id"]?.stringValue == stages[1] && changed.json["value_field"] == nil)
            #expect(try await client.request(.patch, "/api/v1/pipelines/\(pipeline)", json: ["stages": [["id": .string(UUID().uuidString), "name": "X"]]], headers: headers)
                .status == .unprocessableContent)
            #expect(try await client.request(.patch, "/api/v1/pipelines/\(pipeline)", json: ["stages": []], headers: headers).status == .unprocessableContent)

            #expect(try await client.request(.delete, "/api/v1/pipelines/\(pipeline)", headers: headers).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/pipelines/\(pipeline)", headers: headers).errorCode == "pipeline_not_found")
            #expect(try await client.request(.get, "/api/v1/records/\(records[0])", headers: headers).status == .ok, "records stay")
            let again = try await client.request(.post, "/api/v1/recordsets/deals/pipeline", json: ["name": "Fresh", "stages": [["name": "One"]]], headers: headers)
            #expect(again.status == .created, "a deleted pipeline frees its recordset")
        }
    }

    @Test func movesAreAtomicVersionedAndSafeUnderConcurrency() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Deals"], headers: headers).json["id"]?.stringValue)
            let other = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Other"], headers: headers).json["id"]?.stringValue)
            let pipeline = try await client.request(.post, "/api/v1/pipelines", json: [
                "recordset_id": .string(set), "name": "Sales", "stages": [["name": "A"], ["name": "B"], ["name": "C"]],
            ], headers: headers)
            let pipelineID = try #require(pipeline.json["id"]?.stringValue)
            let stages = pipeline.json["stages"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            func record(_ recordset: String) async throws -> String {
                try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordset), "data": [:]], headers: headers).json["id"]?.stringValue)
            }
            let mine = [try await record(set), try await record(set)]
            let foreign = try await record(other)

            let moved = try await client.request(.post, "/api/v1/pipelines/\(pipelineID)/move", json: ["record_id": .string(mine[0]), "stage_id": .string(stages[1])], headers: headers)
            #expect(moved.json["stage_id"]?.stringValue == stages[1] && moved.json["version"]?.intValue == 2)
            #expect(try await client.request(.get, "/api/v1/records/\(mine[0])/history", headers: headers).json["items"]?[0]?["change"] == "moved")
            #expect(try await client.request(.post, "/api/v1/pipelines/\(pipelineID)/move", json: ["record_id": .string(mine[0]), "stage_id": .string(UUID().uuidString)], headers: headers)
                .status == .unprocessableContent)

            let refused = try await client.request(.post, "/api/v1/pipelines/\(pipelineID)/bulk-move", json: [
                "record_ids": .array((mine + [foreign]).map(JSONValue.string)), "stage_id": .string(stages[2]),
            ], headers: headers)
            #expect(refused.status == .notFound && refused.json["error"]?["details"]?["refused"]?[0]?["id"]?.stringValue == foreign, "not in this pipeline's recordset")
            #expect(try await client.request(.get, "/api/v1/records/\(mine[1])", headers: headers).json["stage_id"] == nil, "none moved")
            let bulk = try await client.request(.post, "/api/v1/pipelines/\(pipelineID)/bulk-move", json: [
                "record_ids": .array(mine.map(JSONValue.string)), "stage_id": .string(stages[2]),
            ], headers: headers)
            #expect(bulk.json["moved"]?.intValue == 2)

            // Two moves of one record at once: one ends up winning, both are in the history.
            let target = try await record(set)
            async let first = client.request(.post, "/api/v1/pipelines/\(pipelineID)/move", json: ["record_id": .string(target), "stage_id": .string(stages[0])], headers: headers)
            async let second = client.request(.post, "/api/v1/pipelines/\(pipelineID)/move", json: ["record_id": .string(target), "stage_id": .string(stages[1])], headers: headers)
            let (one, two) = try await (first, second)
            #expect(one.status == .ok && two.status == .ok)
            let final = try await client.request(.get, "/api/v1/records/\(target)", headers: headers)
            #expect(final.json["version"]?.intValue == 3)
            let history = try await client.request(.get, "/api/v1/records/\(target)/history", headers: headers).json["items"]?.arrayValue ?? []
            #expect(history.filter { $0["change"] == "moved" }.count == 2)
            #expect(history.first?["stage_id"] == final.json["stage_id"], "the last version is what the record holds")
            #expect(Set([one.json["version"]?.intValue, two.json["version"]?.intValue]) == [2, 3])
        }
    }
}
