import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

@Suite struct SignupTests {
    static func signupBody(_ email: String) -> JSONValue {
        ["email": .string(email), "password": "correct horse battery staple", "full_name": "Ada", "company_name": "Ada's Shop"]
    }

    @Test func asyncSignupStreamsToCompletionAndAReconnectHasNoGapOrDuplicate() async throws {
        // Heartbeats and polls far longer than the read timeouts: the worker and the stream must be
        // woken by LISTEN/NOTIFY, or this test times out.
        try await TestPlatform.run(.live, configure: {
            $0.sseHeartbeat = .seconds(60)
            $0.jobPollInterval = .seconds(60)
        }) { client, _ in
            let email = "ada-\(UUID().uuidString.prefix(6))@example.com"
            let accepted = try await client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody(email))
            #expect(accepted.status == .accepted)
            let jobID = try #require(accepted.json["job_id"]?.stringValue)
            let streamURL = try #require(accepted.json["stream_url"]?.stringValue)
            #expect(streamURL == "/api/v1/auth/signup/jobs/\(jobID.lowercased())/stream")
            let base = "http://127.0.0.1:\(try #require(client.port))"

            // Read a little, hang up, reconnect from the last id seen.
            let first = try await SSEReader.read(base + streamURL, timeout: .seconds(10)) { $0.events.count >= 2 }
            #expect(first.contentType?.hasPrefix("text/event-stream") == true)
            let lastSeen = try #require(first.events.last?.id)
            let rest = try await SSEReader.read(base + streamURL, lastEventID: lastSeen, timeout: .seconds(60))
            let events = first.events + rest.events
            let ids = events.compactMap { $0.id.flatMap(Int.init) }
            #expect(ids == Array(1...ids.count), "ids must run 1, 2, 3… with no gap and no repeat: \(ids)")
            #expect(events.allSatisfy { $0.event == "progress" })

            let payloads = try events.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.data.utf8)) }
            #expect(payloads.first?["status"]?.stringValue == "QUEUED")
            let progress = payloads.compactMap { $0["progress"]?.intValue }
            #expect(progress == progress.sorted(), "progress never goes down: \(progress)")
            let steps = payloads.compactMap { $0["current_step"]?.stringValue }
            #expect(steps == ["queued", "validating", "creating_user", "creating_workspace", "creating_schema", "running_migrations", "seeding", "completed"])
            let last = try #require(payloads.last)
            #expect(last["status"]?.stringValue == "COMPLETED")
            #expect(last["progress"]?.intValue == 100)
            #expect(last["job_id"]?.stringValue?.lowercased() == jobID.lowercased())
            #expect(last["timestamp"]?.stringValue != nil)
            let result = try #require(last["result"])
            let token = try #require(result["access_token"]?.stringValue)
            let workspaceID = try #require(result["workspace_id"]?.stringValue)
            #expect(result["refresh_token"]?.stringValue?.hasPrefix("rt_") == true)
            #expect(result["workspace_name"]?.stringValue == "Ada's Shop")

            // The stream is over after the terminal event; replaying from it gives nothing new.
            let after = try await SSEReader.read(base + streamURL, lastEventID: String(ids.last!), timeout: .seconds(10))
            #expect(after.events.isEmpty)

            let me = try await client.request(.get, "/api/v1/auth/me", headers: .bearer(token))
            #expect(me.status == .ok)
            #expect(me.json["email"]?.stringValue == email.lowercased())
            #expect(me.json["workspaces"]?[0]?["id"]?.stringValue?.lowercased() == workspaceID.lowercased())
            #expect(me.json["workspaces"]?[0]?["role"]?.stringValue == "owner")

            let status = try await client.request(.get, "/api/v1/auth/signup/jobs/\(jobID)")
            #expect(status.json["status"]?.stringValue == "COMPLETED")
        }
    }

    @Test func aStreamHeartbeatsWhileAJobWaits() async throws {
        // No worker: the job stays queued, so the stream has nothing to say but heartbeats.
        try await TestPlatform.run(.live, parts: [.controlAPI]) { client, _ in
            let accepted = try await client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody("wait-\(UUID().uuidString.prefix(6))@example.com"))
            let streamURL = try #require(accepted.json["stream_url"]?.stringValue)
            let read = try await SSEReader.read("http://127.0.0.1:\(try #require(client.port))" + streamURL) { $0.comments >= 2 }
            #expect(read.comments >= 2)
            #expect(read.events.count == 1)
            #expect(read.events.first?.id == "1")
            let unknown = try await client.request(.get, "/api/v1/auth/signup/jobs/\(UUID())/stream")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "job_not_found")
        }
    }

    @Test func aDuplicateEmailIsRefusedAndLeavesNothingHalfMade() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let email = "dup-\(UUID().uuidString.prefix(6))@example.com"
            let created = try await client.request(.post, "/api/v1/auth/signup", json: Self.signupBody(email))
            #expect(created.status == .created)
            let again = try await client.request(.post, "/api/v1/auth/signup", json: Self.signupBody(email.uppercased()))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "email_taken")
            let againAsync = try await client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody(email))
            #expect(againAsync.status == .conflict)
            #expect(againAsync.errorCode == "email_taken")
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.users", "SELECT count(*)::int FROM control.workspaces", "SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'ws\\_%'") == [1, 1, 1])
        }
    }

    @Test func twoRacingAsyncSignupsForOneEmailMakeOneWorkspace() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let email = "race-\(UUID().uuidString.prefix(6))@example.com"
            async let first = client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody(email))
            async let second = client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody(email))
            let responses = try await [first, second]
            let jobs = responses.compactMap { $0.json["job_id"]?.stringValue }
            var finals: [JSONValue] = []
            for job in jobs { finals.append(try await waitForJob(client, job)) }
            let statuses = finals.compactMap { $0["status"]?.stringValue }.sorted()
            // Either the second POST was refused up front, or its job failed with email_taken.
            #expect(statuses.filter { $0 == "COMPLETED" }.count == 1)
            #expect(finals.filter { $0["status"]?.stringValue == "FAILED" }.allSatisfy { $0["error_code"]?.stringValue == "email_taken" })
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.users", "SELECT count(*)::int FROM control.workspaces", "SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'ws\\_%'") == [1, 1, 1])
        }
    }

    @Test func anIdempotencyKeyReturnsTheFirstJob() async throws {
        try await TestPlatform.run(seeded: false, parts: [.controlAPI]) { client, platform in
            let body = Self.signupBody("idem-\(UUID().uuidString.prefix(6))@example.com")
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "signup-1"]
            let first = try await client.request(.post, "/api/v1/auth/signup/async", json: body, headers: headers)
            let second = try await client.request(.post, "/api/v1/auth/signup/async", json: body, headers: headers)
            #expect(first.status == .accepted)
            #expect(second.status == .accepted, "\(second.text)")
            #expect(first.json["job_id"] == second.json["job_id"])
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.jobs") == [1])
        }
    }

    /// The same key with another body (here another password for the same email) is a 422 that
    /// names no job: it must not hand out the first signup's job, and through it that person's session.
    @Test func anIdempotencyKeyWithAnotherBodyIs422AndNamesNoJob() async throws {
        try await TestPlatform.run(seeded: false, parts: [.controlAPI]) { client, platform in
            let email = "idem-\(UUID().uuidString.prefix(6))@example.com"
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "signup-2"]
            let first = try await client.request(.post, "/api/v1/auth/signup/async", json: Self.signupBody(email), headers: headers)
            #expect(first.status == .accepted)
            var other = try #require(Self.signupBody(email).objectValue)
            other["password"] = "another password entirely"
            let second = try await client.request(.post, "/api/v1/auth/signup/async", json: .object(other), headers: headers)
            #expect(second.status == .unprocessableContent)
            #expect(second.errorCode == "idempotency_key_reused")
            #expect(second.json["job_id"] == nil)
            #expect(!second.text.contains(try #require(first.json["job_id"]?.stringValue)))
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.jobs") == [1])
        }
    }

    @Test func badSignupInputIsA4xxAndWritesNothing() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let malformed = try await client.request(.post, "/api/v1/auth/signup", raw: #"{"email": "a@b.co", "#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "invalid_json")

            let missing = try await client.request(.post, "/api/v1/auth/signup", json: ["email": "a@b.co", "password": "long enough pw"])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errorCode == "validation_failed")
            #expect(missing.json["error"]?["details"]?["fields"]?["full_name"] != nil)

            let wrongType = try await client.request(.post, "/api/v1/auth/signup", json: [
                "email": 42, "password": "long enough pw", "full_name": "A", "company_name": "B",
            ])
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.json["error"]?["details"]?["fields"]?["email"] != nil)

            let invalid = try await client.request(.post, "/api/v1/auth/signup", json: [
                "email": "not-an-email", "password": "short", "full_name": "", "company_name": "B",
            ])
            #expect(invalid.status == .unprocessableContent)
            let fields = invalid.json["error"]?["details"]?["fields"]
            #expect(fields?["email"] != nil && fields?["password"] != nil && fields?["full_name"] != nil)

            let huge = String(repeating: "x", count: 2 << 20)
            let oversized = try await client.request(.post, "/api/v1/auth/signup", raw: #"{"email":"\#(huge)"}"#)
            #expect(oversized.status == .contentTooLarge)
            #expect(oversized.errorCode == "payload_too_large")

            let notFound = try await client.request(.get, "/api/v1/no-such-thing")
            #expect(notFound.status == .notFound)
            #expect(notFound.errorCode == "not_found")

            let badJob = try await client.request(.get, "/api/v1/auth/signup/jobs/not-a-uuid")
            #expect(badJob.status == .badRequest)
            #expect(badJob.errorCode == "invalid_id")

            // (The daily maintenance the worker schedules at start is not a signup's.)
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.users", "SELECT count(*)::int FROM control.jobs WHERE kind NOT IN ('purge_trash', 'prune_channel_events')") == [0, 0])
        }
    }

    @Test func healthAndReadiness() async throws {
        try await TestPlatform.run { client, _ in
            #expect(try await client.request(.get, "/health").json["status"] == "ok")
            let ready = try await client.request(.get, "/ready")
            #expect(ready.status == .ok)
            #expect(ready.json["status"] == "ready")
        }
    }
}

/// Runs each counting query behind the API.
func counts(_ platform: TestPlatform, _ queries: String...) async throws -> [Int] {
    try await platform.withDatabase { db in
        var results: [Int] = []
        for sql in queries {
            results.append(try await db.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect().first!.decode(Int.self))
        }
        return results
    }
}

/// Polls the job's status until it is COMPLETED or FAILED.
func waitForJob(_ client: any TestClientProtocol, _ jobID: String, timeout: Duration = .seconds(30)) async throws -> JSONValue {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let status = try await client.request(.get, "/api/v1/auth/signup/jobs/\(jobID)").json
        if ["COMPLETED", "FAILED"].contains(status["status"]?.stringValue ?? "") { return status }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("job \(jobID) did not finish in time")
}
