import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

@Suite struct APIKeyTests {
    @Test func keysAreShownOnceListedWithoutSecretsAndRevocable() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let created = try await client.request(.post, "/api/v1/api-keys", json: [
                "name": "CI", "scopes": ["records:read", "records:write"], "expires_at": "2099-01-01T00:00:00Z",
            ], headers: owner.headers())
            #expect(created.status == .created)
            let key = try #require(created.json["key"]?.stringValue)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(key.hasPrefix("sk_live_"))
            #expect(created.json["prefix"]?.stringValue == String(key.prefix(14)))
            #expect(created.json["scopes"] == ["records:read", "records:write"])
            #expect(created.json["expires_at"]?.stringValue?.hasPrefix("2099-01-01") == true)

            let list = try await client.request(.get, "/api/v1/api-keys", headers: owner.headers())
            #expect(list.json["total"]?.intValue == 1)
            #expect(list.json["limit"]?.intValue == 50)
            #expect(list.json["offset"]?.intValue == 0)
            #expect(list.json["items"]?[0]?["key"] == nil)
            #expect(!list.text.contains(key))
            let shown = try await client.request(.get, "/api/v1/api-keys/\(id)", headers: owner.headers())
            #expect(shown.json["name"] == "CI")
            #expect(shown.json["key"] == nil)

            // The key works by either header and needs no X-Workspace-Id; nothing stores its secret.
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key)).status == .ok)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: [HTTPField.Name("X-API-Key")!: key]).status == .ok)
            try await platform.withDatabase { db in
                let stored = try await db.query("SELECT count(*)::int FROM control.api_keys WHERE key_digest = sha256(\(key)::bytea)", logger: TestDatabase.logger)
                    .collect().first!.decode(Int.self)
                #expect(stored == 1)
                let plaintext = try await db.query("SELECT count(*)::int FROM control.api_keys WHERE prefix = \(key) OR name = \(key)", logger: TestDatabase.logger)
                    .collect().first!.decode(Int.self)
                #expect(plaintext == 0)
            }

            let revoked = try await client.request(.post, "/api/v1/api-keys/\(id)/revoke", headers: owner.headers())
            #expect(revoked.status == .ok)
            #expect(revoked.json["is_active"] == false)
            #expect(revoked.json["revoked_at"]?.stringValue != nil)
            let afterRevoke = try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key))
            #expect(afterRevoke.status == .unauthorized)
            #expect(afterRevoke.errorCode == "invalid_api_key")

            #expect(try await client.request(.delete, "/api/v1/api-keys/\(id)", headers: owner.headers()).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/api-keys/\(id)", headers: owner.headers()).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key)).errorCode == "invalid_api_key")
        }
    }

    @Test func expiredDisabledAndMistypedKeysAreRefusedAtOnce() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.bob, via: client)
            let expiring = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "expiring")
            let disabled = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "disabled")
            try await platform.withDatabase { db in
                try await db.query("UPDATE control.api_keys SET expires_at = now() - interval '1 second' WHERE name = 'expiring'", logger: TestDatabase.logger)
                try await db.query("UPDATE control.api_keys SET is_active = false WHERE name = 'disabled'", logger: TestDatabase.logger)
            }
            var typo = Array(expiring.key)
            typo[20] = typo[20] == "a" ? "b" : "a"
            let mistyped = try await client.request(.get, "/api/v1/recordsets", headers: .bearer(String(typo)))
            #expect(mistyped.status == .unauthorized)
            #expect(mistyped.errorCode == "invalid_api_key")
            // B14: a caller cannot tell an expired, disabled, malformed or unknown key apart.
            for refused in [expiring.key, disabled.key, "sk_live_short", "sk_" + String(repeating: "x", count: 40)] {
                let answer = try await client.request(.get, "/api/v1/visibility/projects", headers: .bearer(refused))
                #expect(answer.status == .unauthorized && answer.json == mistyped.json, "\(refused.prefix(12))")
            }
        }
    }

    @Test func onlyAdminsManageKeysAndRequestsAreValidated() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let other = try await platform.account(.carol, via: client)
            // Make `other` a plain member of owner's workspace.
            try await platform.addMember(other, to: owner.workspaceID, role: .member)
            let asMember = try await client.request(.post, "/api/v1/api-keys", json: ["name": "x", "scopes": ["records:read"]], headers: other.headers(workspace: owner.workspaceID))
            #expect(asMember.status == .forbidden)
            #expect(asMember.errorCode == "insufficient_permissions")
            let reader = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            #expect(try await client.request(.get, "/api/v1/api-keys", headers: .bearer(reader.key)).status == .forbidden)

            let bad = try await client.request(.post, "/api/v1/api-keys", json: [
                "name": "", "scopes": ["records:read", "launch:missiles"], "expires_at": "2001-01-01T00:00:00Z",
            ], headers: owner.headers())
            #expect(bad.status == .unprocessableContent)
            let fields = bad.json["error"]?["details"]?["fields"]
            #expect(fields?["name"] != nil && fields?["scopes"] != nil && fields?["expires_at"] != nil)
            let badDate = try await client.request(.post, "/api/v1/api-keys", json: ["name": "x", "scopes": ["admin"], "expires_at": "soon"], headers: owner.headers())
            #expect(badDate.status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/api-keys/nope", headers: owner.headers()).errorCode == "invalid_id")
            let listed = try await client.request(.get, "/api/v1/api-keys", headers: owner.headers())
            #expect(listed.json["total"]?.intValue == 1)
        }
    }

    @Test func eachKeyIsRateLimitedOnItsOwn() async throws {
        // A refill slower than any test: the burst alone decides, however loaded the machine.
        try await TestPlatform.run(configure: { $0.apiKeyRateLimit = RateLimit(perSecond: 0.01, burst: 3) }) { client, platform in
            let owner = try await platform.account(.bob, via: client)
            let busy = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "busy")
            let quiet = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "quiet")
            for _ in 0..<3 {
                #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(busy.key)).status == .ok)
            }
            let limited = try await client.request(.get, "/api/v1/records", headers: .bearer(busy.key))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(quiet.key)).status == .ok)
            #expect(try await client.request(.get, "/api/v1/records", headers: owner.headers()).status == .ok, "user tokens are not key-limited")
        }
    }

    @Test func eachUserIsRateLimitedOnTheirOwn() async throws {
        // A refill slower than any test; signing in spends some of the burst, so count up to it.
        try await TestPlatform.run(configure: { $0.userRateLimit = RateLimit(perSecond: 0.01, burst: 6) }) { client, platform in
            let busy = try await platform.account(.bob, via: client)
            let other = try await platform.account(.carol, via: client)
            var answers: [JSONResponse] = []
            for _ in 0..<7 { answers.append(try await client.request(.get, "/api/v1/records", headers: busy.headers())) }
            let statuses = answers.map(\.status)
            let firstRefused = try #require(statuses.firstIndex(of: .tooManyRequests), "\(statuses)")
            #expect(statuses[..<firstRefused].allSatisfy { $0 == .ok } && statuses[firstRefused...].allSatisfy { $0 == .tooManyRequests })
            #expect(answers[firstRefused].errorCode == "rate_limited")
            #expect(Int(answers[firstRefused].headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.request(.get, "/api/v1/records", headers: other.headers()).status == .ok)
        }
    }
}
