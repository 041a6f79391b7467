import Foundation
@_spi(TenantProvisioning) import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing
import VisibilityEngine

/// A real `platform worker` process killed in the middle of a run: a second one takes the run over
/// once the first one's lease has run out, and the run ends with every item analysed once and its
/// credits taken once.
@Suite(.serialized) struct VisibilityRunCrashTests {
    /// The `platform` executable `swift build --build-tests` put beside the test bundle.
    static var executable: URL {
        URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "platform")
    }

    static func worker(_ platform: TestPlatform, provider: String) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["worker"]
        process.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "DATABASE_URL": platform.url.string, "JWT_SECRET": platform.config.jwtSecret, "JOB_LEASE_SECONDS": "2",
            "OPENAI_API_KEY": "test", "OPENAI_BASE_URL": provider, "VISIBILITY_OPENAI_MODEL": "gpt-4o-mini",
            "VISIBILITY_PROVIDERS": "openai", "WORKER_CONCURRENCY": "2", "LOG_LEVEL": "warning",
            "DATA_DIR": platform.config.dataDirectory.path(),
        ]
        try process.run()
        return process
    }

    @Test func aRunOutlivesAKilledWorkerAndIsChargedOnce() async throws {
        let executable = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable.path()), "build the platform executable first (swift build --build-tests)")
        let fake = try await FakeProviderServer.start(configuration: .init(delay: .milliseconds(150)))
        defer { Task { try? await fake.shutdown() } }
        let baseURL = fake.baseURL
        // The API without a worker: only the child processes work the run.
        try await TestPlatform.run(parts: [.controlAPI, .tenantAPI], configure: { config in
            config.visibility = VisibilitySettings(providers: [.init(name: .openai, model: "gpt-4o-mini", apiKey: "test", baseURL: baseURL)])
        }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let project = try #require(try await client.request(.post, "/api/v1/visibility/projects", json: ["name": "Acme", "brand_name": "Acme"], headers: headers)
                .json["id"]?.stringValue)
            let texts: [JSONValue] = (0..<40).map { ["text": .string("which crm suits agency \($0)")] }
            _ = try await client.request(.post, "/api/v1/visibility/projects/\(project)/queries", json: ["queries": .array(texts)], headers: headers)
            let started = try await client.request(.post, "/api/v1/visibility/projects/\(project)/runs", json: [:], headers: headers)
            let run = try #require(started.json["id"]?.stringValue, "\(started.text)")
            #expect(started.json["credits_charged"] == 40)

            func shown() async throws -> JSONValue { try await client.request(.get, "/api/v1/visibility/runs/\(run)", headers: headers).json }
            // B2: the request asked no provider; without a worker the run waits, paid for.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await shown()["status"] == "PENDING" && fake.requestCount == 0)

            let doomed = try Self.worker(platform, provider: baseURL)
            var deadline = ContinuousClock.now + .seconds(90)
            while (try await shown()["completed_results"]?.intValue ?? 0) < 8, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            kill(doomed.processIdentifier, SIGKILL)
            doomed.waitUntilExit()
            let atKill = try await shown()
            let doneAtKill = try #require(atKill["completed_results"]?.intValue)
            #expect(doneAtKill >= 8 && doneAtKill < 40 && atKill["status"] == "RUNNING", "killed mid-run: \(atKill)")
            // B6: the results so far are readable mid-run.
            let soFar = try await client.request(.get, "/api/v1/visibility/runs/\(run)/results?status=SUCCEEDED&limit=100", headers: headers)
            #expect(soFar.json["total"]?.intValue == doneAtKill)

            let heir = try Self.worker(platform, provider: baseURL)
            defer { heir.terminate() }
            deadline = ContinuousClock.now + .seconds(120)
            var final = try await shown()
            while ["PENDING", "RUNNING"].contains(final["status"]?.stringValue ?? ""), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                final = try await shown()
            }
            #expect(final["status"] == "COMPLETED" && final["completed_results"] == 40 && final["failed_results"] == 0, "\(final)")

            try await platform.withDatabase { db in
                let schema = SchemaName.tenant(alice.workspaceID)
                // One analysis per item, none lost or doubled; an item cut off mid-call was asked again.
                let rows = try await db.query("""
                    SELECT count(*)::int, count(DISTINCT (query_id, provider, repetition))::int, count(*) FILTER (WHERE status = 'SUCCEEDED' AND answer_text IS NOT NULL)::int
                    FROM \(identifier: schema).visibility_run_items WHERE run_id = \(UUID(uuidString: run)!)
                    """, logger: TestDatabase.logger).collect()
                let (items, distinct, analysed) = try rows[0].decode((Int, Int, Int).self)
                #expect(items == 40 && distinct == 40 && analysed == 40)
                // Every call is on the bill: the ones the dead worker had in flight as interrupted.
                let metered = try await db.query("""
                    SELECT count(*)::int, count(*) FILTER (WHERE status = 'succeeded')::int, count(*) FILTER (WHERE status = 'interrupted')::int
                    FROM \(identifier: schema).ai_calls WHERE run_id = \(UUID(uuidString: run)!)
                    """, logger: TestDatabase.logger).collect()
                let (calls, succeeded, interrupted) = try metered[0].decode((Int, Int, Int).self)
                #expect(succeeded == 40 && calls == succeeded + interrupted, "calls \(calls), succeeded \(succeeded), interrupted \(interrupted)")
                #expect((40...calls).contains(fake.requestCount), "the provider was asked \(fake.requestCount) times for \(calls) metered calls")
            }
            let statement = try await client.request(.get, "/api/v1/billing/credits?limit=100", headers: headers)
            let entries = statement.json["items"]?.arrayValue ?? []
            #expect(entries.filter { $0["kind"] == "debit" }.count == 1 && entries.filter { $0["kind"] == "refund" }.isEmpty)
            #expect(statement.json["balance"] == 60)
        }
    }
}
