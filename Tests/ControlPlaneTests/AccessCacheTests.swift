import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// Who a key is and what a principal may do in a workspace are cached for a few seconds; a
/// revocation still holds within one second, however it is made.
@Suite struct AccessCacheTests {
    let logger = TestDatabase.logger

    /// Until `answer` is `status`, at most `limit`; returns how long it took.
    func timeUntil(
        _ status: HTTPResponse.Status, within limit: Duration = .seconds(1), _ answer: () async throws -> JSONResponse
    ) async throws -> Duration {
        let start = ContinuousClock.now
        let last = try await eventually(within: limit, answer) { $0.status == status }
        #expect(last.status == status, "still \(last.status) after \(limit)")
        return ContinuousClock.now - start
    }

    @Test func aKeyRevokedInTheDatabaseIsRefusedWithinASecond() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            for _ in 0..<3 { #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)).status == .ok) }
            // Another process (here, plain SQL) revokes it: only the notification tells this server.
            try await platform.withDatabase { db in
                try await db.query("UPDATE control.api_keys SET revoked_at = now() WHERE id = \(UUID(uuidString: key.id)!)", logger: logger)
            }
            let took = try await timeUntil(.unauthorized) { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)) }
            #expect(took < .seconds(1))
        }
    }

    @Test func aMemberRemovedInTheDatabaseIsRefusedWithinASecond() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let member = try await platform.account(.bob, via: client)
            try await platform.addMember(member, to: owner.workspaceID, role: .member)
            let asMember = member.headers(workspace: owner.workspaceID)
            for _ in 0..<3 { #expect(try await client.request(.get, "/api/v1/recordsets", headers: asMember).status == .ok) }
            try await platform.withDatabase { db in
                try await db.query("""
                    DELETE FROM control.workspace_members WHERE workspace_id = \(owner.workspaceID) AND user_id = \(member.userID)
                    """, logger: logger)
            }
            let took = try await timeUntil(.forbidden) { try await client.request(.get, "/api/v1/recordsets", headers: asMember) }
            #expect(took < .seconds(1))
        }
    }

    /// A change through this server's own API holds from its very next request.
    @Test func aKeyRevokedThroughTheAPIIsRefusedAtOnce() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            for _ in 0..<3 { #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)).status == .ok) }
            #expect(try await client.request(.post, "/api/v1/api-keys/\(key.id)/revoke", headers: owner.headers()).status == .ok)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)).status == .unauthorized)
        }
    }

    /// While the listener is reconnecting nothing is cached, so a change it cannot hear of
    /// still holds.
    @Test func aRevocationWhileTheListenerIsDownStillHolds() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            for _ in 0..<3 { #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)).status == .ok) }
            try await platform.withDatabase { db in
                let ended = try await db.value(Int.self, """
                    SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                    WHERE datname = current_database() AND query LIKE 'LISTEN%platform_events%'
                    """, logger: logger)
                #expect(ended == 1, "the server's listener")
                try await db.query("UPDATE control.api_keys SET revoked_at = now() WHERE id = \(UUID(uuidString: key.id)!)", logger: logger)
            }
            let took = try await timeUntil(.unauthorized) { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)) }
            #expect(took < .seconds(1))
            // Back and listening: a key still works, and its revocation is heard again.
            let second = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "second")
            _ = try await eventually { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(second.key)) } until: { $0.status == .ok }
            try await platform.withDatabase { db in
                try await db.query("UPDATE control.api_keys SET is_active = false WHERE id = \(UUID(uuidString: second.id)!)", logger: logger)
            }
            #expect(try await timeUntil(.unauthorized) { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(second.key)) } < .seconds(1))
        }
    }
}
