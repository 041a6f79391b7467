import Crypto
import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import Testing

/// The n8n callback: signed by the workspace's secret as the secret's own recipe says, replay-safe
/// by `event_id`, and good for its own workspace only.
@Suite(.serialized) struct VisibilityCallbackTests {
    /// Signs as a workflow would, from what `GET …/secret` tells it (not through `CallbackSigner`).
    static func signed(_ body: String, secret: String, at time: Date = Date()) -> HTTPFields {
        let timestamp = Int(time.timeIntervalSince1970)
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return [HTTPField.Name("X-Platform-Signature")!: "t=\(timestamp),v1=\(code.map { String(format: "%02x", $0) }.joined())"]
    }

    static func body(_ fields: JSONValue) throws -> String { String(decoding: try JSONEncoder().encode(fields), as: UTF8.self) }

    @Test func aSignedCallbackStartsOneRunPerEventAndReadsIt() async throws {
        try await VisibilityRunTests.withRuns { setup, fake in
            let client = setup.client
            let recipe = try await client.request(.get, "/api/v1/visibility/callbacks/n8n/secret", headers: setup.headers)
            #expect(recipe.status == .ok && recipe.json["header"] == "X-Platform-Signature" && recipe.json["tolerance_seconds"] == 300)
            let secret = try #require(recipe.json["secret"]?.stringValue)
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            let workspace = setup.account.workspaceID.uuidString.lowercased()

            let start = try Self.body([
                "event_id": "exec-1", "workspace_id": .string(workspace), "action": "start_run", "project_id": .string(setup.project),
                "providers": ["openai"], "name": "From n8n",
            ])
            let started = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: start, headers: Self.signed(start, secret: secret))
            #expect(started.status == .ok, "\(started.text)")
            let run = try #require(started.json["id"]?.stringValue)
            #expect(started.json["triggered_by"] == "CALLBACK" && started.json["name"] == "From n8n" && started.json["credits_charged"] == 3)

            // The same delivery again, re-signed a moment later: the first answer, no second run or debit.
            let again = try await client.request(
                .post, "/api/v1/visibility/callbacks/n8n", raw: start, headers: Self.signed(start, secret: secret, at: Date().addingTimeInterval(5)))
            #expect(again.status == .ok && again.json["id"]?.stringValue == run && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let changed = try Self.body([
                "event_id": "exec-1", "workspace_id": .string(workspace), "action": "start_run", "project_id": .string(setup.project),
            ])
            let reused = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: changed, headers: Self.signed(changed, secret: secret))
            #expect(reused.status == .unprocessableContent && reused.errorCode == "idempotency_key_reused")

            let done = try await setup.finished(run)
            #expect(done["status"] == "COMPLETED" && fake.requestCount == 3)
            #expect(try await setup.ledger(kind: "debit").count == 1)
            #expect(try await setup.balance() == 97)

            let read = try Self.body(["event_id": "exec-2", "workspace_id": .string(workspace), "action": "get_run", "run_id": .string(run)])
            let shown = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: read, headers: Self.signed(read, secret: secret))
            #expect(shown.status == .ok && shown.json["status"] == "COMPLETED" && shown.json["completed_results"] == 3)
            let missing = try Self.body(["event_id": "exec-3", "workspace_id": .string(workspace), "action": "get_run", "run_id": .string(UUID().uuidString)])
            #expect(try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: missing, headers: Self.signed(missing, secret: secret))
                .errorCode == "run_not_found")
            let incomplete = try Self.body(["event_id": "exec-4", "workspace_id": .string(workspace), "action": "start_run"])
            #expect(try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: incomplete, headers: Self.signed(incomplete, secret: secret))
                .status == .unprocessableContent)
        }
    }

    @Test func aBadStaleOrForeignSignatureIsOneUniform401() async throws {
        try await VisibilityRunTests.withRuns { setup, fake in
            let client = setup.client
            let bob = try await setup.platform.account(.bob, via: client)
            let aliceSecret = try #require(try await client.request(.get, "/api/v1/visibility/callbacks/n8n/secret", headers: setup.headers).json["secret"]?.stringValue)
            let bobSecret = try #require(try await client.request(.get, "/api/v1/visibility/callbacks/n8n/secret", headers: bob.headers()).json["secret"]?.stringValue)
            #expect(aliceSecret != bobSecret)
            let alice = setup.account.workspaceID.uuidString.lowercased()
            let start = try Self.body(["event_id": "e-1", "workspace_id": .string(alice), "action": "start_run", "project_id": .string(setup.project)])
            let refusals: [(String, String, HTTPFields)] = [
                ("no signature", start, [:]),
                ("signed by another workspace's secret", start, Self.signed(start, secret: bobSecret)),
                ("six minutes old", start, Self.signed(start, secret: aliceSecret, at: Date().addingTimeInterval(-360))),
                ("signed over other bytes", start + " ", Self.signed(start, secret: aliceSecret)),
                ("malformed", start, [HTTPField.Name("X-Platform-Signature")!: "v1=zz"]),
            ]
            var bodies: Set<String> = []
            for (reason, body, headers) in refusals {
                let answer = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: body, headers: headers)
                #expect(answer.status == .unauthorized && answer.errorCode == "invalid_signature", "\(reason): \(answer.text)")
                bodies.insert(answer.text)
            }
            #expect(bodies.count == 1, "one answer for every failure")

            // Bob's own secret over his own workspace cannot reach Alice's project.
            let bobWorkspace = bob.workspaceID.uuidString.lowercased()
            let foreign = try Self.body(["event_id": "e-2", "workspace_id": .string(bobWorkspace), "action": "start_run", "project_id": .string(setup.project)])
            let crossed = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: foreign, headers: Self.signed(foreign, secret: bobSecret))
            #expect(crossed.status == .notFound && crossed.errorCode == "project_not_found")
            let notJSON = try await client.request(.post, "/api/v1/visibility/callbacks/n8n", raw: "{\"event_id\":", headers: Self.signed("x", secret: aliceSecret))
            #expect(notJSON.status == .badRequest && notJSON.errorCode == "invalid_callback")
            #expect(fake.requestCount == 0)
            #expect(try await setup.request(.get, "/projects/\(setup.project)/runs").json["total"] == 0)
            #expect(try await setup.balance() == 100)

            // Only admins (or admin keys) read the secret.
            let viewerKey = try await client.createAPIKey(for: setup.account, scopes: ["visibility:read", "visibility:run"], name: "n8n reader")
            #expect(try await client.request(.get, "/api/v1/visibility/callbacks/n8n/secret", headers: .bearer(viewerKey.key)).status == .forbidden)
        }
    }
}
