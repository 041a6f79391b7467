@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing

/// The kit as resources use it, end to end: three-state PATCH, page aliases, idempotency keys,
/// cursor windows, lower-case ids.
@Suite struct KitHTTPTests {
    @Test func patchLeavesAbsentFieldsClearsNullOnesAndRefusesNullForRequiredOnes() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let created = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Leads", "description": "Inbound"], headers: owner.headers())
            let id = try #require(created.json["id"]?.stringValue)
            #expect(id == id.lowercased(), "ids are written lower-case")
            #expect(created.json["created_at"]?.stringValue?.hasSuffix("Z") == true)

            let renamed = try await client.request(.patch, "/api/v1/recordsets/\(id)", json: ["name": "Hot"], headers: owner.headers())
            #expect(renamed.json["name"] == "Hot" && renamed.json["description"] == "Inbound")
            let cleared = try await client.request(.patch, "/api/v1/recordsets/\(id)", json: ["description": .null], headers: owner.headers())
            #expect(cleared.json["name"] == "Hot" && cleared.json["description"] == "")
            let refused = try await client.request(.patch, "/api/v1/recordsets/\(id)", json: ["name": .null, "description": .string(String(repeating: "d", count: 2001))], headers: owner.headers())
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["error"]?["details"]?["fields"]?["name"] != nil && refused.json["error"]?["details"]?["fields"]?["description"] != nil)
            #expect(try await client.request(.get, "/api/v1/recordsets/\(id)", headers: owner.headers()).json["name"] == "Hot")

            let misspelt = try await client.request(.patch, "/api/v1/recordsets/\(id)", json: ["nmae": "Typo"], headers: owner.headers())
            #expect(misspelt.status == .unprocessableContent)
            #expect(misspelt.json["error"]?["details"]?["fields"]?["nmae"] != nil, "an unknown field is reported, not ignored")
        }
    }

    @Test func listsTakeTheSeedsPageAliases() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            for name in ["a", "b", "c", "d", "e"] {
                _ = try await client.request(.post, "/api/v1/recordsets", json: ["name": .string(name)], headers: owner.headers())
            }
            let byPage = try await client.request(.get, "/api/v1/recordsets?page=2&page_size=2", headers: owner.headers())
            #expect(byPage.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["c", "d"])
            #expect(byPage.json["total"]?.intValue == 5 && byPage.json["offset"]?.intValue == 2 && byPage.json["limit"]?.intValue == 2)
            let bySkip = try await client.request(.get, "/api/v1/recordsets?skip=4&limit=10", headers: owner.headers())
            #expect(bySkip.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["e"])
            #expect(try await client.request(.get, "/api/v1/recordsets?page=0", headers: owner.headers()).errorCode == "invalid_query")
        }
    }

    @Test func anIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() async throws {
        try await TestPlatform.run(seeded: false, parts: [.controlAPI]) { client, platform in
            func signup(_ email: String, key: String) async throws -> JSONResponse {
                try await client.request(.post, "/api/v1/auth/signup/async", json: [
                    "email": .string(email), "password": "correct horse battery staple", "full_name": "Ida", "company_name": "Idem",
                ], headers: [HTTPField.Name("Idempotency-Key")!: key])
            }
            let first = try await signup("ida@example.com", key: "k-1")
            let replay = try await signup("ida@example.com", key: "k-1")
            #expect(first.status == .accepted && replay.status == .accepted)
            #expect(first.text == replay.text)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let reused = try await signup("other@example.com", key: "k-1")
            #expect(reused.status == .unprocessableContent && reused.errorCode == "idempotency_key_reused")
            #expect(try await signup("ida@example.com", key: "bad key with spaces").errorCode == "invalid_idempotency_key")
            let jobs = try await platform.withDatabase { db in
                try await db.value(Int.self, "SELECT count(*)::int FROM control.jobs", logger: TestDatabase.logger)
            }
            #expect(jobs == 1, "a replay never repeats the side effect")
        }
    }

    @Test func cursorWindowsWalkARecordsetBothWays() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.carol, via: client)
            let recordset = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "log"], headers: owner.headers()).json["id"]?.stringValue)
            try await PlatformServer.withClient(platform.config.tenantDatabase, maximumConnections: 1, logger: TestDatabase.logger) { pool in
                let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: owner.workspaceID)
                let logger = TestDatabase.logger
                var ids: [UUID] = []
                for n in 0..<7 {
                    let id = try #require(try await db.value(UUID.self, """
                        INSERT INTO \(db.table("records")) (recordset_id, data, created_at)
                        VALUES (\(UUID(uuidString: recordset)!), \(JSONObject(["n": .number(Double(n))])), now() + make_interval(secs => \(n)))
                        RETURNING id
                        """, logger: logger))
                    ids.append(id)
                }
                func window(_ cursor: CursorQuery) async throws -> (ids: [UUID], before: Bool, after: Bool) {
                    let page = try await db.window(
                        RowProbe.self, "SELECT r.id FROM \(db.table("records")) r WHERE r.deleted_at IS NULL", alias: "r",
                        anchor: { "SELECT created_at, id FROM \(db.table("records")) WHERE id = \($0)" }, cursor: cursor, logger: logger)
                    return (page.items.map(\.id), page.hasMoreBefore, page.hasMoreAfter)
                }
                let newest = try await window(CursorQuery(limit: 3))
                #expect(newest.ids == Array(ids[4...6]) && newest.before && !newest.after)
                let before = try await window(CursorQuery(.before(ids[4]), limit: 3))
                #expect(before.ids == Array(ids[1...3]) && before.before)
                let start = try await window(CursorQuery(.before(ids[2]), limit: 3))
                #expect(start.ids == Array(ids[0...1]) && !start.before)
                let after = try await window(CursorQuery(.after(ids[1]), limit: 10))
                #expect(after.ids == Array(ids[2...6]) && !after.after)
                let around = try await window(CursorQuery(.around(ids[3]), limit: 4))
                #expect(around.ids == Array(ids[1...4]) && around.before && around.after)
            }
        }
    }

    /// Just the id: the cursor helper reads any table row.
    struct RowProbe: TableRow, APIModel {
        let id: UUID
        static let columns: Columns = ["id"]
        init(row: RowReader) throws { id = try row("id") }
        init(id: UUID) { self.id = id }
        static let example = RowProbe(id: UUID())
    }
}
