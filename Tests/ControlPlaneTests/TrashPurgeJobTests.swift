@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformTesting
import PostgresNIO
import Testing
@testable import ControlPlane

/// `purge_trash`: scheduled once a day, it empties every workspace's trash of what was deleted more
/// than 30 days ago, and nothing younger.
@Suite struct TrashPurgeJobTests {
    @Test func theDailyJobPurgesOnlyWhatIsOlderThanThirtyDays() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            for (account, names) in [(alice, ["old", "young", "live"]), (bob, ["old"])] {
                for name in names {
                    #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": .string(name)], headers: account.headers()).status == .created)
                    _ = try await client.request(.post, "/api/v1/records", json: [
                        "recordset_id": .string(try #require(try await client.request(.get, "/api/v1/recordsets/\(name)", headers: account.headers()).json["id"]?.stringValue)),
                        "data": [:],
                    ], headers: account.headers())
                    if name != "live" { #expect(try await client.request(.delete, "/api/v1/recordsets/\(name)", headers: account.headers()).status == .noContent) }
                }
            }
            let snapshot = try await platform.withDatabase { db in
                for workspace in [alice.workspaceID, bob.workspaceID] {
                    try await db.execute("""
                        UPDATE \(SchemaName.tenant(workspace).table("recordsets")) SET deleted_at = now() - interval '31 days' WHERE slug = 'old'
                        """, logger: TestDatabase.logger)
                }
                // The schedule queued today's job at start (one per day, whoever asks).
                let scheduled = try await db.value(Int.self, """
                    SELECT count(*)::int FROM control.jobs WHERE kind = 'purge_trash' AND idempotency_key = \(MaintenanceSchedule.idempotencyKey("purge_trash", on: Date()))
                    """, logger: TestDatabase.logger)
                #expect(scheduled == 1)
                let queue = JobQueue(client: db, lease: .seconds(30))
                let job = try await queue.enqueue(kind: "purge_trash", payload: [:], idempotencyKey: nil, logger: TestDatabase.logger)
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    if let snapshot = try await queue.snapshot(of: job.id, logger: TestDatabase.logger), snapshot.status.isTerminal { return snapshot }
                    try await Task.sleep(for: .milliseconds(100))
                }
                throw TestFailure("the purge did not finish")
            }
            #expect(snapshot.status == .completed)
            #expect(snapshot.result?["changed"]?.intValue == 2 && snapshot.result?["failed"]?.intValue == 0)
            #expect((snapshot.result?["workspaces"]?.intValue ?? 0) >= 2)

            let trash = try await client.request(.get, "/api/v1/recordsets/trash", headers: alice.headers())
            #expect(trash.json["items"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } == ["young"])
            #expect(try await client.request(.get, "/api/v1/recordsets/trash", headers: bob.headers()).json["total"]?.intValue == 0)
            #expect(try await client.request(.get, "/api/v1/recordsets/live", headers: alice.headers()).status == .ok)
            let orphans = try await platform.withDatabase { db in
                try await db.value(Int.self, "SELECT count(*)::int FROM \(SchemaName.tenant(alice.workspaceID).table("records"))", logger: TestDatabase.logger)
            }
            #expect(orphans == 2, "the purged recordset's records went with it")
        }
    }
}
