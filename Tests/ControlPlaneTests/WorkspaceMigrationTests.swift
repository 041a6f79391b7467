import Foundation
import HTTPTypes
import HummingbirdTesting
import Migrator
@_spi(TenantProvisioning) import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

@Suite struct WorkspaceMigrationTests {
    static let extraVersion = MigrationCatalog.embedded.latestTenantVersion + 1
    static let catalog = try! MigrationCatalog.embedded.appendingTenant(
        Migration(version: extraVersion, name: "extra", sql: "CREATE TABLE extra (note text);"))
    static let extraFile = String(format: "%04d_extra.sql", extraVersion)

    @Test func healthReportsAStaleSchemaAndMigrateFixesItOverSSE() async throws {
        try await TestPlatform.run(.live, catalog: Self.catalog) { client, platform in
            // The template's owners were provisioned before the extra file: their schemas are one
            // behind. (A signup here would outlast the live client's 20 s on a loaded machine.)
            let owner = try await platform.account(.carol, via: client)
            let stale = try await client.request(.get, "/api/v1/workspace/health", headers: owner.headers())
            #expect(stale.json["migration_required"] == true)
            #expect(stale.json["schema_version"]?.intValue == Self.extraVersion - 1)
            #expect(stale.json["latest_version"]?.intValue == Self.extraVersion)
            #expect(stale.json["pending"] == [.string(Self.extraFile)])
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: owner.headers()).errorCode == "migration_required")

            let started = try await client.request(.post, "/api/v1/workspace/migrate", headers: owner.headers())
            #expect(started.status == .accepted)
            let streamURL = try #require(started.json["stream_url"]?.stringValue)
            // The stream is workspace-scoped, so the reader sends credentials like any tenant call.
            // A reader resumes after the last event it saw if the stream ends before the job does
            // (as an EventSource would); on a loaded machine the job can take a while.
            var events: [ServerSentEvent] = []
            for _ in 0..<5 {
                let read = try await SSEReader.read(
                    "http://127.0.0.1:\(try #require(client.port))\(streamURL)", lastEventID: events.last?.id, headers: owner.headers(),
                    timeout: .seconds(120))
                events += read.events
                if let data = events.last?.data, data.contains(#""status":"COMPLETED""#) || data.contains(#""status":"FAILED""#) { break }
            }
            let last = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(events.last).data.utf8))
            #expect(last["status"] == "COMPLETED")
            #expect(last["result"]?["applied"] == [.string(Self.extraFile)])

            let healed = try await client.request(.get, "/api/v1/workspace/health", headers: owner.headers())
            #expect(healed.json["migration_required"] == false)
            #expect(healed.json["schema_version"]?.intValue == Self.extraVersion)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: owner.headers()).status == .ok)
        }
    }

    @Test func onlyAdminsMigrateOneJobRunsAtATimeAndJobsStayInTheirWorkspace() async throws {
        // No worker: jobs stay queued, so "one at a time" is observable.
        try await TestPlatform.run(parts: [.controlAPI, .tenantAPI], catalog: Self.catalog) { client, platform in
            let a = try await client.signUp("ann")
            let b = try await client.signUp("ben")
            let member = try await client.signUp("meg")
            try await platform.addMember(member, to: a.workspaceID, role: .member)
            let byMember = try await client.request(.post, "/api/v1/workspace/migrate", headers: member.headers(workspace: a.workspaceID))
            #expect(byMember.status == .forbidden)
            #expect(byMember.errorCode == "insufficient_permissions")

            let first = try await client.request(.post, "/api/v1/workspace/migrate", headers: a.headers())
            let second = try await client.request(.post, "/api/v1/workspace/migrate", headers: a.headers())
            let jobID = try #require(first.json["job_id"]?.stringValue)
            #expect(second.json["job_id"]?.stringValue == jobID)
            #expect(try await client.request(.get, "/api/v1/workspace/jobs/\(jobID)", headers: a.headers()).json["status"] == "QUEUED")
            let otherWorkspace = try await client.request(.post, "/api/v1/workspace/migrate", headers: b.headers())
            #expect(otherWorkspace.json["job_id"]?.stringValue != jobID)

            #expect(try await client.request(.get, "/api/v1/workspace/jobs/\(jobID)", headers: b.headers()).errorCode == "job_not_found")
            #expect(try await client.request(.get, "/api/v1/workspace/jobs/\(jobID)/stream", headers: b.headers()).errorCode == "job_not_found")
            #expect(try await client.request(.get, "/api/v1/workspace/jobs/\(jobID)", headers: member.headers(workspace: b.workspaceID)).errorCode == "workspace_forbidden")
        }
    }
}
