import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing
import VisibilityEngine

/// Visibility runs against a local server speaking OpenAI's wire format: paid for once, worked in
/// the background, results readable as they come, refunds for what failed or was cancelled.
@Suite(.serialized) struct VisibilityRunTests {
    struct Setup {
        let client: any TestClientProtocol
        let platform: TestPlatform
        let account: TestAccount
        let project: String
        let queries: [String]

        var headers: HTTPFields { account.headers() }

        func request(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, key: String? = nil) async throws -> JSONResponse {
            var headers = headers
            if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
            return try await client.request(method, "/api/v1/visibility" + path, json: body, headers: headers)
        }

        func balance() async throws -> Int {
            try #require(try await client.request(.get, "/api/v1/billing/credits", headers: headers).json["balance"]?.intValue)
        }

        /// Polls the run until it has ended (a background job works it).
        func finished(_ run: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let shown = try await request(.get, "/runs/\(run)")
                if let status = shown.json["status"]?.stringValue, !["PENDING", "RUNNING"].contains(status) { return shown.json }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("the run did not end", sourceLocation: sourceLocation)
            return .null
        }

        func ledger(kind: String) async throws -> [JSONValue] {
            let statement = try await client.request(.get, "/api/v1/billing/credits?limit=200", headers: headers)
            return statement.json["items"]?.arrayValue?.filter { $0["kind"]?.stringValue == kind } ?? []
        }
    }

    /// A platform whose `openai` and `perplexity` both ask `fake`, a project with `queries` queries.
    static func withRuns(
        fake configuration: FakeProviderServer.Configuration = .init(), credits: Int = 100, queries: Int = 3,
        _ body: @Sendable (Setup, FakeProviderServer) async throws -> Void
    ) async throws {
        let fake = try await FakeProviderServer.start(configuration: configuration)
        defer { Task { try? await fake.shutdown() } }
        let baseURL = fake.baseURL
        try await TestPlatform.run(configure: { config in
            config.initialCredits = credits
            config.visibility = VisibilitySettings(
                providers: [
                    .init(name: .openai, model: "gpt-4o-mini", apiKey: "test", baseURL: baseURL),
                    .init(name: .perplexity, model: "sonar", apiKey: "test", baseURL: baseURL, creditsPerItem: 2),
                ],
                maximumAttempts: 2, requestTimeout: .seconds(10))
        }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let project = try await client.request(.post, "/api/v1/visibility/projects", json: [
                "name": "Acme", "brand_name": "Acme", "website_url": "https://acme.com", "setup_status": "COMPLETE",
            ], headers: headers)
            let projectID = try #require(project.json["id"]?.stringValue, "\(project.text)")
            _ = try await client.request(.put, "/api/v1/visibility/projects/\(projectID)/competitors", json: [
                "competitors": [["name": "Globex"], ["name": "Initech"]],
            ], headers: headers)
            let texts: [JSONValue] = (0..<queries).map { ["text": .string("best crm for team number \($0)")] }
            let added = try await client.request(.post, "/api/v1/visibility/projects/\(projectID)/queries", json: ["queries": .array(texts)], headers: headers)
            let ids = added.json["created"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(ids.count == queries, "\(added.text)")
            try await body(Setup(client: client, platform: platform, account: alice, project: projectID, queries: ids), fake)
        }
    }

    @Test func aRunIsPaidForWorkedInTheBackgroundAndScored() async throws {
        try await Self.withRuns { setup, fake in
            #expect(try await setup.balance() == 100)
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", ["name": "First", "repetitions": 2])
            #expect(started.status == .created, "\(started.text)")
            let run = try #require(started.json["id"]?.stringValue)
            // 3 queries × 2 repetitions, at 1 credit (openai) + 2 (perplexity) each.
            #expect(started.json["total_results"] == 12 && started.json["credits_charged"] == 18 && started.json["total_queries"] == 3)
            #expect(started.json["model_versions"] == ["openai": "gpt-4o-mini", "perplexity": "sonar"])
            #expect(try await setup.balance() == 82)

            let done = try await setup.finished(run)
            #expect(done["status"] == "COMPLETED", "\(done)")
            #expect(done["completed_results"] == 12 && done["failed_results"] == 0 && done["credits_refunded"] == 0)
            #expect(done["summary"]?["total_results"] == 12)
            #expect(fake.requestCount == 12)

            let results = try await setup.request(.get, "/runs/\(run)/results?limit=100")
            let items = try #require(results.json["items"]?.arrayValue)
            #expect(items.count == 12 && results.json["total"] == 12)
            #expect(items.allSatisfy { $0["status"] == "SUCCEEDED" && $0["visibility_score"]?.intValue != nil && $0["answer_text"]?.stringValue?.isEmpty == false })
            // Planned order: by query, then provider, then repetition.
            #expect(items.prefix(4).map { "\($0["provider"]?.stringValue ?? "") \($0["repetition"]?.intValue ?? 0)" } == ["openai 1", "openai 2", "perplexity 1", "perplexity 2"])
            #expect(items.prefix(4).allSatisfy { $0["query_id"]?.stringValue == setup.queries[0] && $0["query"]?["text"] == "best crm for team number 0" })
            // The engine's analysis agrees with what the fake provider put in the answer.
            for item in items {
                let text = try #require(item["answer_text"]?.stringValue)
                let mentioned = FakeAnswers.answer(to: try #require(item["query"]?["text"]?.stringValue), brands: ["Acme", "Globex", "Initech"])
                #expect(mentioned.text == text)
                #expect(item["is_mentioned"]?.boolValue == mentioned.mentioned.contains("Acme"))
            }
            let mentions = items.filter { $0["is_mentioned"] == true }.count
            #expect(done["summary"]?["mention_count"]?.intValue == mentions)

            let filtered = try await setup.request(.get, "/runs/\(run)/results?provider=perplexity&query_id=\(setup.queries[1])")
            #expect(filtered.json["total"] == 2)

            let scores = try await setup.request(.get, "/runs/\(run)/scores")
            let rows = try #require(scores.json["items"]?.arrayValue)
            #expect(rows.count == 9, "per query: openai, perplexity and *")
            #expect(rows.filter { $0["provider"] == "*" }.allSatisfy { $0["results"] == 4 })

            let usage = try await setup.request(.get, "/runs/\(run)/usage")
            #expect(usage.json["calls"] == 12 && usage.json["failed_calls"] == 0)
            #expect((usage.json["input_tokens"]?.intValue ?? 0) > 0 && (usage.json["output_tokens"]?.intValue ?? 0) > 0)

            let listed = try await setup.request(.get, "/projects/\(setup.project)/runs?status=COMPLETED")
            #expect(listed.json["items"]?[0]?["id"]?.stringValue == run)
            let trend = try await setup.request(.get, "/projects/\(setup.project)/trend")
            #expect(trend.json["points"]?.arrayValue?.count == 1 && trend.json["points"]?[0]?["results"] == 12)
            #expect(try await setup.ledger(kind: "debit").count == 1)
        }
    }

    @Test func oneKeyIsOneRunAndOneDebitEvenFiftyAtOnce() async throws {
        // Answers slow enough that the run is still active when the other key arrives, however loaded the machine.
        try await Self.withRuns(fake: .init(delay: .seconds(3))) { setup, _ in
            let body: JSONValue = ["providers": ["openai"]]
            let answers = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for _ in 0..<50 { group.addTask { try await setup.request(.post, "/projects/\(setup.project)/runs", body, key: "weekly-2026-48") } }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            let created = answers.filter { $0.status == .created }
            let ids = Set(created.compactMap { $0.json["id"]?.stringValue })
            #expect(ids.count == 1, "every success names the same run")
            #expect(answers.allSatisfy { $0.status == .created || $0.status == .conflict }, "\(Set(answers.map(\.status.code)))")
            #expect(try await setup.ledger(kind: "debit").count == 1)
            #expect(try await setup.balance() == 97)
            let replay = try await setup.request(.post, "/projects/\(setup.project)/runs", body, key: "weekly-2026-48")
            #expect(replay.status == .created && replay.json["id"]?.stringValue == ids.first)
            let reused = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["perplexity"]], key: "weekly-2026-48")
            #expect(reused.status == .unprocessableContent)
            // Another key while this run is active: one active run per project.
            let second = try await setup.request(.post, "/projects/\(setup.project)/runs", body, key: "another")
            #expect(second.status == .conflict && second.errorCode == "run_in_progress")
            _ = try await setup.finished(try #require(ids.first))
            #expect(try await setup.ledger(kind: "debit").count == 1)
            let runs = try await setup.request(.get, "/projects/\(setup.project)/runs")
            #expect(runs.json["total"] == 1)
        }
    }

    @Test func onlyTheRunScopeStartsRuns() async throws {
        try await Self.withRuns { setup, _ in
            let client = setup.client
            let writer = try await client.createAPIKey(for: setup.account, scopes: ["visibility:read", "visibility:write"], name: "writer")
            let runner = try await client.createAPIKey(for: setup.account, scopes: ["visibility:read", "visibility:run"], name: "runner")
            let path = "/api/v1/visibility/projects/\(setup.project)/runs"
            let refused = try await client.request(.post, path, json: ["providers": ["openai"]], headers: .bearer(writer.key))
            #expect(refused.status == .forbidden && refused.errorCode == "insufficient_permissions")
            let started = try await client.request(.post, path, json: ["providers": ["openai"]], headers: .bearer(runner.key))
            #expect(started.status == .created && started.json["triggered_by"] == "API", "\(started.text)")
            let run = try #require(started.json["id"]?.stringValue)
            #expect(try await client.request(.post, "/api/v1/visibility/runs/\(run)/cancel", headers: .bearer(writer.key)).status == .forbidden)
            _ = try await setup.finished(run)
        }
    }

    @Test func withoutEnoughCreditsThereIsNoRunAndNoCharge() async throws {
        try await Self.withRuns(credits: 5) { setup, fake in
            let refused = try await setup.request(.post, "/projects/\(setup.project)/runs", [:])
            #expect(refused.status.code == 402 && refused.errorCode == "insufficient_credits")
            #expect(refused.json["error"]?["details"]?["required"] == 9 && refused.json["error"]?["details"]?["balance"] == 5)
            #expect(try await setup.balance() == 5)
            #expect(try await setup.request(.get, "/projects/\(setup.project)/runs").json["total"] == 0)
            #expect(try await setup.ledger(kind: "debit").isEmpty)
            // A run that fits.
            let small = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["openai"], "query_ids": [.string(setup.queries[0])]])
            #expect(small.status == .created && small.json["credits_charged"] == 1)
            _ = try await setup.finished(try #require(small.json["id"]?.stringValue))
            #expect(fake.requestCount == 1)
            #expect(try await setup.balance() == 4)
        }
    }

    @Test func badSubsetsAndProvidersAreRefused() async throws {
        try await Self.withRuns { setup, _ in
            let none = try await setup.request(.post, "/projects/\(setup.project)/runs", ["query_ids": [.string(UUID().uuidString)]])
            #expect(none.status == .badRequest && none.errorCode == "no_valid_queries")
            let unknown = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["gemini"]])
            #expect(unknown.status == .unprocessableContent && unknown.errorCode == "unknown_provider")
            let reps = try await setup.request(.post, "/projects/\(setup.project)/runs", ["repetitions": 9])
            #expect(reps.status == .unprocessableContent)
            let missing = try await setup.request(.post, "/projects/\(UUID())/runs", [:])
            #expect(missing.status == .notFound)
            #expect(try await setup.request(.get, "/runs/\(UUID())").errorCode == "run_not_found")
            #expect(try await setup.balance() == 100)
        }
    }

    @Test func failedItemsAreRefundedAndTheRunCompletesWithErrors() async throws {
        // Every third request is refused with a 400: not worth retrying, so the item fails.
        try await Self.withRuns(fake: .init(failEvery: 3, failureStatus: 400)) { setup, _ in
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["openai"], "repetitions": 3])
            let run = try #require(started.json["id"]?.stringValue)
            let done = try await setup.finished(run)
            #expect(done["status"] == "COMPLETED_WITH_ERRORS", "\(done)")
            let failed = try #require(done["failed_results"]?.intValue)
            #expect(failed == 3 && done["completed_results"] == 6)
            #expect(done["credits_refunded"]?.intValue == failed)
            #expect(try await setup.balance() == 100 - 9 + failed)
            let failures = try await setup.request(.get, "/runs/\(run)/results?status=FAILED")
            #expect(failures.json["items"]?.arrayValue?.allSatisfy { $0["error_message"]?.stringValue?.contains("400") == true } == true)
            let usage = try await setup.request(.get, "/runs/\(run)/usage")
            #expect(usage.json["failed_calls"]?.intValue == failed && usage.json["calls"] == 9)
        }
    }

    @Test func aRunWhoseEveryItemFailsFailsAndIsRefundedWhole() async throws {
        try await Self.withRuns(fake: .init(failEvery: 1, failureStatus: 400)) { setup, _ in
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", [:])
            #expect(started.json["credits_charged"] == 9)
            let done = try await setup.finished(try #require(started.json["id"]?.stringValue))
            #expect(done["status"] == "FAILED" && done["error_message"] == "Every item failed.", "\(done)")
            #expect(done["failed_results"] == 6 && done["credits_refunded"] == 9)
            #expect(try await setup.balance() == 100)
        }
    }

    @Test func rateLimitedAnswersAreAskedAgainAfterRetryAfter() async throws {
        // Every third request is a 429 with Retry-After: 1; the adapter waits it out and asks again.
        try await Self.withRuns(fake: .init(failEvery: 3)) { setup, fake in
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["openai"], "repetitions": 2])
            let clock = ContinuousClock.now
            let done = try await setup.finished(try #require(started.json["id"]?.stringValue))
            #expect(done["status"] == "COMPLETED" && done["completed_results"] == 6 && done["credits_refunded"] == 0, "\(done)")
            #expect(fake.requestCount > 6, "the refused requests were asked again")
            #expect(ContinuousClock.now - clock >= .seconds(1), "after the Retry-After second")
            let usage = try await setup.request(.get, "/runs/\(try #require(started.json["id"]?.stringValue))/usage")
            #expect(usage.json["calls"] == 6 && usage.json["failed_calls"] == 0, "one metered call per answer; its latency holds the wait")
        }
    }

    @Test func resultPagesAreClampedAndPaged() async throws {
        try await Self.withRuns { setup, _ in
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["openai"]])
            let run = try #require(started.json["id"]?.stringValue)
            // The platform's convention: a limit out of 1–200 is clamped; one that is not a number is a 400.
            #expect(try await setup.request(.get, "/runs/\(run)/results?limit=x").status == .badRequest)
            #expect(try await setup.request(.get, "/runs/\(run)/results?limit=0").json["limit"] == 1)
            #expect(try await setup.request(.get, "/runs/\(run)/results?limit=500").json["limit"] == 200)
            let page = try await setup.request(.get, "/runs/\(run)/results?limit=2&offset=1")
            #expect(page.json["items"]?.arrayValue?.count == 2 && page.json["total"] == 3 && page.json["limit"] == 2 && page.json["offset"] == 1)
            _ = try await setup.finished(run)
        }
    }

    @Test func aCancelledRunRefundsWhatItDidNotAsk() async throws {
        try await Self.withRuns(fake: .init(delay: .milliseconds(400)), queries: 10) { setup, _ in
            let started = try await setup.request(.post, "/projects/\(setup.project)/runs", ["providers": ["openai"]])
            let run = try #require(started.json["id"]?.stringValue)
            try await Task.sleep(for: .milliseconds(500))
            let cancelled = try await setup.request(.post, "/runs/\(run)/cancel")
            #expect(cancelled.status == .ok && cancelled.json["status"] == "CANCELLED", "\(cancelled.text)")
            let stopped = try #require(cancelled.json["cancelled_results"]?.intValue)
            #expect(stopped > 0 && cancelled.json["credits_refunded"]?.intValue == stopped)
            #expect(try await setup.request(.post, "/runs/\(run)/cancel").errorCode == "run_not_active")
            // Items being asked finish; nothing is refunded twice.
            try await Task.sleep(for: .seconds(2))
            let done = try await setup.request(.get, "/runs/\(run)")
            #expect(done.json["status"] == "CANCELLED")
            let asked = (done.json["completed_results"]?.intValue ?? 0) + (done.json["failed_results"]?.intValue ?? 0)
            #expect(asked + stopped == 10)
            #expect(try await setup.balance() == 100 - asked)
            #expect(try await setup.ledger(kind: "refund").count == 1)
        }
    }

    @Test func theStreamReportsProgressUntilTheRunEnds() async throws {
        let fake = try await FakeProviderServer.start(configuration: .init(delay: .milliseconds(50)))
        defer { Task { try? await fake.shutdown() } }
        let baseURL = fake.baseURL
        try await TestPlatform.run(.live, configure: { config in
            config.visibility = VisibilitySettings(providers: [.init(name: .openai, model: "gpt-4o-mini", apiKey: "test", baseURL: baseURL)])
        }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let project = try await client.request(.post, "/api/v1/visibility/projects", json: ["name": "Acme", "brand_name": "Acme"], headers: headers)
            let projectID = try #require(project.json["id"]?.stringValue)
            _ = try await client.request(.post, "/api/v1/visibility/projects/\(projectID)/queries", json: [
                "queries": [["text": "one"], ["text": "two"], ["text": "three"], ["text": "four"]],
            ], headers: headers)
            let started = try await client.request(.post, "/api/v1/visibility/projects/\(projectID)/runs", json: [:], headers: headers)
            let run = try #require(started.json["id"]?.stringValue)
            let url = "http://127.0.0.1:\(try #require(client.port))/api/v1/visibility/runs/\(run)/stream"
            let events = try await SSEReader.read(url, headers: headers, timeout: .seconds(60)) { $0.events.last?.event == "done" }.events
            #expect(events.last?.event == "done")
            let last = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(events.last?.data).utf8))
            #expect(last["status"] == "COMPLETED" && last["completed_results"] == 4)
            #expect(events.dropLast().allSatisfy { $0.event == "progress" })
        }
    }
}
