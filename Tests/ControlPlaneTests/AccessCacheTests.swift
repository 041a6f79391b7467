import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// Who a key is and what a principal may do in a workspace are cached; a revocation made anywhere
/// is heard over LISTEN/NOTIFY and holds from the next request. These platforms keep answers for
/// an hour, so only the notification can explain a refusal; how long it took is printed, not
/// asserted (it is a few milliseconds on an idle machine and whatever the scheduler allows on a
/// loaded one).
@Suite struct AccessCacheTests {
    let logger = TestDatabase.logger

    func run(_ body: @escaping @Sendable (any TestClientProtocol, TestPlatform) async throws -> Void) async throws {
        try await TestPlatform.run(configure: { $0.accessCacheLifetime = .seconds(3600) }, body)
    }

    /// Waits until `answer` is `status` and prints how long that took.
    func waitUntil(_ status: HTTPResponse.Status, _ what: String, _ answer: () async throws -> JSONResponse) async throws {
        let start = ContinuousClock.now
        let last = try await eventually(within: .seconds(20), answer) { $0.status == status }
        #expect(last.status == status, "\(what): still \(last.status)")
        print("access cache: \(what) held after \(ContinuousClock.now - start)")
    }

    @Test func aKeyRevokedInTheDatabaseIsRefusedLongBeforeItsAnswerExpires() async throws {
        try await run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let key = try await client.createAPIKey(for: owner, scopes: ["records:read"])
            for _ in 0..<3 { #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)).status == .ok) }
            // Another process (here, plain SQL) revokes it: only the notification tells this server.
            try await platform.withDatabase { db in
                try await db.query("UPDATE control.api_keys SET revoked_at = now() WHERE id = \(UUID(uuidString: key.id)!)", logger: logger)
            }
            try await waitUntil(.unauthorized, "a key revoked by SQL") { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key)) }
        }
    }

    @Test func aMemberRemovedInTheDatabaseIsRefusedLongBeforeItsAnswerExpires() async throws {
        try await run { client, platform in
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
            try await waitUntil(.forbidden, "a member removed by SQL") { try await client.request(.get, "/api/v1/recordsets", headers: asMember) }
        }
    }

    /// A change through this server's own API holds from its very next request.
    @Test func aKeyRevokedThroughTheAPIIsRefusedAtOnce() async throws {
        try await run { client, platform in
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
        try await run { client, platform in
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
            try await waitUntil(.unauthorized, "a key revoked while the listener was down") {
                try await client.request(.get, "/api/v1/recordsets", headers: .bearer(key.key))
            }
            // Back and listening: a key still works, and its revocation is heard again.
            let second = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "second")
            _ = try await eventually { try await client.request(.get, "/api/v1/recordsets", headers: .bearer(second.key)) } until: { $0.status == .ok }
            try await platform.withDatabase { db in
                try await db.query("UPDATE control.api_keys SET is_active = false WHERE id = \(UUID(uuidString: second.id)!)", logger: logger)
            }
            try await waitUntil(.unauthorized, "a key revoked after the listener came back") {
                try await client.request(.get, "/api/v1/recordsets", headers: .bearer(second.key))
            }
        }
    }
}
