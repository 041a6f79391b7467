import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import Testing

/// The rest of the seed's API-key group: count and filters, rotate, toggle, update.
@Suite struct APIKeyLifecycleTests {
    @Test func rotateIssuesANewSecretWithTheSameSettingsAndRevokesTheOld() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let created = try await client.request(.post, "/api/v1/api-keys", json: [
                "name": "CI", "description": "deploys", "scopes": ["records:read"], "expires_at": "2099-01-01T00:00:00Z",
            ], headers: owner.headers())
            let oldID = try #require(created.json["id"]?.stringValue)
            let oldKey = try #require(created.json["key"]?.stringValue)

            let rotated = try await client.request(.post, "/api/v1/api-keys/\(oldID)/rotate", headers: owner.headers())
            #expect(rotated.status == .ok)
            let newKey = try #require(rotated.json["key"]?.stringValue)
            #expect(newKey != oldKey && newKey.hasPrefix("sk_live_"))
            #expect(rotated.json["id"]?.stringValue != oldID)
            for field in ["name", "description", "scopes", "expires_at"] { #expect(rotated.json[field] == created.json[field], "\(field) carried over") }

            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(oldKey)).errorCode == "invalid_api_key")
            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(newKey)).status == .ok)
            let again = try await client.request(.post, "/api/v1/api-keys/\(oldID)/rotate", headers: owner.headers())
            #expect(again.status == .conflict && again.errorCode == "api_key_revoked", "a revoked key is not rotated twice")
            #expect(try await client.request(.post, "/api/v1/api-keys/\(UUID())/rotate", headers: owner.headers()).errorCode == "api_key_not_found")
            for path in ["/api/v1/api-keys/nope/rotate", "/api/v1/api-keys/nope/toggle"] {
                let bad = try await client.request(.post, path, headers: owner.headers())
                #expect(bad.status == .badRequest && bad.errorCode == "invalid_id", "\(path)")
            }
            #expect(try await client.request(.patch, "/api/v1/api-keys/\(oldID)", raw: "[1]", headers: owner.headers()).status == .unprocessableContent)
        }
    }

    @Test func toggleAndUpdateChangeStateButNeverRevive() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.bob, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "reader")
            let off = try await client.request(.post, "/api/v1/api-keys/\(key.id)/toggle", headers: owner.headers())
            #expect(off.json["is_active"] == false)
            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(key.key)).errorCode == "invalid_api_key")
            let on = try await client.request(.post, "/api/v1/api-keys/\(key.id)/toggle", headers: owner.headers())
            #expect(on.json["is_active"] == true)
            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(key.key)).status == .ok)

            let updated = try await client.request(.patch, "/api/v1/api-keys/\(key.id)", json: [
                "name": "writer", "description": "now writes", "scopes": ["records:write", "records:read", "records:write"],
            ], headers: owner.headers())
            #expect(updated.status == .ok)
            #expect(updated.json["name"] == "writer" && updated.json["description"] == "now writes")
            #expect(updated.json["scopes"] == ["records:read", "records:write"])
            #expect(updated.json["key"] == nil, "the secret is never shown again")
            let cleared = try await client.request(.patch, "/api/v1/api-keys/\(key.id)", json: ["description": .null], headers: owner.headers())
            #expect(cleared.json["description"] == "" && cleared.json["name"] == "writer")

            let bad = try await client.request(.patch, "/api/v1/api-keys/\(key.id)", json: [
                "name": "", "scopes": ["launch:missiles"], "is_active": .null, "key": "sk_live_x",
            ], headers: owner.headers())
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["error"]?["details"]?["fields"]?["key"] != nil, "the secret cannot be set")

            _ = try await client.request(.post, "/api/v1/api-keys/\(key.id)/revoke", headers: owner.headers())
            #expect(try await client.request(.post, "/api/v1/api-keys/\(key.id)/toggle", headers: owner.headers()).errorCode == "api_key_revoked")
            let revive = try await client.request(.patch, "/api/v1/api-keys/\(key.id)", json: ["is_active": true], headers: owner.headers())
            #expect(revive.status == .conflict && revive.errorCode == "api_key_revoked")
            #expect(try await client.request(.get, "/api/v1/api-keys/\(key.id)", headers: owner.headers()).json["is_active"] == false)
            #expect(try await client.request(.patch, "/api/v1/api-keys/\(key.id)", json: ["name": "kept for audit"], headers: owner.headers()).status == .ok,
                    "a revoked key may still be renamed")
        }
    }

    @Test func countAndListFilterByStateAndOnlyAdminsManage() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.carol, via: client)
            let member = try await platform.account(.alice, via: client)
            try await platform.addMember(member, to: owner.workspaceID, role: .member)
            let a = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "a")
            let b = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "b")
            _ = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "c")
            _ = try await client.request(.post, "/api/v1/api-keys/\(a.id)/revoke", headers: owner.headers())
            _ = try await client.request(.post, "/api/v1/api-keys/\(b.id)/toggle", headers: owner.headers())

            func count(_ query: String) async throws -> Int? {
                try await client.request(.get, "/api/v1/api-keys/count\(query)", headers: owner.headers()).json["count"]?.intValue
            }
            #expect(try await count("") == 3)
            #expect(try await count("?is_revoked=true") == 1)
            #expect(try await count("?is_revoked=false") == 2)
            #expect(try await count("?is_active=true") == 1)
            #expect(try await count("?is_active=false&is_revoked=false") == 1)
            let listed = try await client.request(.get, "/api/v1/api-keys?is_active=false&skip=0&limit=10", headers: owner.headers())
            #expect(Set(listed.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []) == ["a", "b"])
            #expect(try await client.request(.get, "/api/v1/api-keys/count?is_active=maybe", headers: owner.headers()).errorCode == "invalid_query")

            let asMember = member.headers(workspace: owner.workspaceID)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/api-keys/count"), (.post, "/api/v1/api-keys/\(a.id)/rotate"),
                                   (.post, "/api/v1/api-keys/\(b.id)/toggle"), (.patch, "/api/v1/api-keys/\(b.id)")] {
                let response = try await client.request(method, path, json: method == .patch ? ["name": "x"] : nil, headers: asMember)
                #expect(response.status == .forbidden && response.errorCode == "insufficient_permissions", "\(method) \(path)")
            }
            #expect(try await count("?is_active=true") == 1, "refused calls changed nothing")
        }
    }

    @Test func lastUseIsRecordedAfterTheRequestAtMostOnceAMinute() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            #expect((try await client.request(.get, "/api/v1/api-keys/\(key.id)", headers: owner.headers()).json["last_used_at"] ?? .null) == .null)
            #expect(try await client.request(.get, "/api/v1/records", headers: .bearer(key.key)).status == .ok)
            var first: JSONValue = .null
            for _ in 0..<100 where first == .null {
                first = try await client.request(.get, "/api/v1/api-keys/\(key.id)", headers: owner.headers()).json["last_used_at"] ?? .null
                if first == .null { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(first != .null, "the use was recorded")
            for _ in 0..<5 { _ = try await client.request(.get, "/api/v1/records", headers: .bearer(key.key)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.request(.get, "/api/v1/api-keys/\(key.id)", headers: owner.headers()).json["last_used_at"] == first,
                    "within the minute nothing is written again")
        }
    }
}
