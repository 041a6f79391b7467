import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// `/auth/me`, `/users/{id}` with "same or higher role", avatars, impersonation, Clerk, the audit log.
@Suite struct ProfileTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)

    @Test func meShowsTheMemberRecordOfAWorkspaceAndEditsTheProfile() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let me = try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(alice.accessToken))
            #expect(me.status == .ok)
            #expect(me.json["member"]?["role"] == "owner")
            #expect(me.json["member"]?["user_id"]?.stringValue == alice.userID.uuidString.lowercased())
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(alice.accessToken)).json["member"] == .null)
            let foreign = try await client.request(.get, "/api/v1/auth/me?workspace_id=\(bob.workspaceID)", headers: .bearer(alice.accessToken))
            #expect(foreign.status == .ok)
            #expect(foreign.json["member"] == .null, "a workspace that is not yours shows no member record")

            let patched = try await client.request(.patch, "/api/v1/auth/me", json: ["title": "Analyst", "bio": "Counts things."], headers: .bearer(alice.accessToken))
            #expect(patched.json["title"] == "Analyst")
            #expect(patched.json["full_name"] == me.json["full_name"])
            let taken = try await client.request(.patch, "/api/v1/auth/me", json: ["email": .string(bob.email)], headers: .bearer(alice.accessToken))
            #expect(taken.status == .conflict)
            let blank = try await client.request(.patch, "/api/v1/auth/me", json: ["full_name": "", "phone": .string(String(repeating: "9", count: 80))], headers: .bearer(alice.accessToken))
            #expect(blank.status == .unprocessableContent)
            #expect(blank.json["error"]?["details"]?["fields"]?["phone"] != nil)
        }
    }

    @Test func usersAreSeenAndEditedBySameOrHigherRolesOnly() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)

            #expect(try await client.request(.get, "/api/v1/users/\(bob.userID)", headers: .bearer(alice.accessToken)).status == .ok)
            let up = try await client.request(.get, "/api/v1/users/\(alice.userID)", headers: .bearer(bob.accessToken))
            #expect(up.status == .forbidden)
            #expect(up.errorCode == "insufficient_role")
            #expect(try await client.request(.get, "/api/v1/users/\(alice.userID)", headers: .bearer(carol.accessToken)).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/users/\(UUID())", headers: .bearer(alice.accessToken)).status == .notFound)

            // The owner promotes bob; both databases agree.
            let promoted = try await client.request(.patch, "/api/v1/users/\(bob.userID)", json: [
                "role": "admin", "workspace_id": .string(alice.workspaceID.uuidString), "title": "Lead",
            ], headers: .bearer(alice.accessToken))
            #expect(promoted.status == .ok)
            #expect(promoted.json["title"] == "Lead")
            let bobInAlice = try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(bob.accessToken))
            #expect(bobInAlice.json["member"]?["role"] == "admin")
            #expect(bobInAlice.json["workspaces"]?.arrayValue?.contains { $0["id"]?.stringValue == alice.workspaceID.uuidString.lowercased() && $0["role"] == "admin" } == true)

            // An admin cannot touch the owner, nor make anyone owner.
            let demote = try await client.request(.patch, "/api/v1/users/\(alice.userID)", json: [
                "role": "member", "workspace_id": .string(alice.workspaceID.uuidString),
            ], headers: .bearer(bob.accessToken))
            #expect(demote.status == .forbidden)
            let crown = try await client.request(.patch, "/api/v1/users/\(bob.userID)", json: [
                "role": "owner", "workspace_id": .string(alice.workspaceID.uuidString),
            ], headers: .bearer(bob.accessToken))
            #expect(crown.status == .forbidden)
            // Nobody demotes the last owner.
            let last = try await client.request(.patch, "/api/v1/users/\(alice.userID)", json: [
                "role": "admin", "workspace_id": .string(alice.workspaceID.uuidString),
            ], headers: .bearer(alice.accessToken))
            #expect(last.status == .conflict)
            #expect(last.errorCode == "last_owner")
            let roleWithoutWorkspace = try await client.request(.patch, "/api/v1/users/\(bob.userID)", json: ["role": "viewer"], headers: .bearer(alice.accessToken))
            #expect(roleWithoutWorkspace.status == .unprocessableContent)

            let log = try await client.request(.get, "/api/v1/audit-log?action=member.role_changed", headers: alice.headers())
            #expect(log.status == .ok)
            #expect(log.json["items"]?[0]?["target_id"]?.stringValue == bob.userID.uuidString.lowercased())
            #expect(log.json["items"]?[0]?["details"]?["to"] == "admin")
            #expect(try await client.request(.get, "/api/v1/audit-log", headers: carol.headers(workspace: alice.workspaceID)).status == .forbidden)
        }
    }

    @Test func avatarsAreCheckedByTheirBytesAndServedBySignedURLs() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let uploaded = try await client.upload("/api/v1/auth/me/avatar", file: Self.png, headers: .bearer(alice.accessToken))
            #expect(uploaded.status == .ok)
            let url = try #require(uploaded.json["avatar_url"]?.stringValue)
            #expect(url.hasPrefix(platform.config.publicURL + "/api/v1/files/avatars/"))
            let path = String(url.dropFirst(platform.config.publicURL.count))
            let file = try await client.download(path)
            #expect(file.status == .ok)
            #expect(file.body == Self.png)
            #expect(file.headers[.contentType] == "image/png")

            let tampered = try await client.download(path.replacingOccurrences(of: "sig=", with: "sig=A"))
            #expect(tampered.status == .forbidden)
            let unsigned = try await client.download(String(path.prefix { $0 != "?" }))
            #expect(unsigned.status == .forbidden)

            let text = try await client.upload("/api/v1/auth/me/avatar", file: Array("not a picture".utf8), filename: "evil.png", headers: .bearer(alice.accessToken))
            #expect(text.status == .unsupportedMediaType)
            #expect(text.errorCode == "unsupported_image_type")
            let huge = try await client.upload("/api/v1/auth/me/avatar", file: Self.png + Array(repeating: 0, count: 2 * 1024 * 1024), headers: .bearer(alice.accessToken))
            #expect(huge.status == .contentTooLarge)
            let json = try await client.request(.post, "/api/v1/auth/me/avatar", json: ["file": "x"], headers: .bearer(alice.accessToken))
            #expect(json.status == .unsupportedMediaType)

            // Someone else's picture needs the same or a higher role in a shared workspace.
            #expect(try await client.upload("/api/v1/users/\(alice.userID)/avatar", file: Self.png, headers: .bearer(bob.accessToken)).status == .notFound)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)
            #expect(try await client.upload("/api/v1/users/\(bob.userID)/avatar", file: Self.png, headers: .bearer(alice.accessToken)).status == .ok)
            #expect(try await client.upload("/api/v1/users/\(alice.userID)/avatar", file: Self.png, headers: .bearer(bob.accessToken)).status == .forbidden)

            // Replacing a picture removes the old file.
            let again = try await client.upload("/api/v1/auth/me/avatar", file: Self.png, headers: .bearer(alice.accessToken))
            #expect(again.json["avatar_url"]?.stringValue != url)
            #expect(try await client.download(path).status == .notFound)
        }
    }

    @Test func staffImpersonateThroughAOneTimeToken() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let refused = try await client.request(.post, "/api/v1/auth/impersonate", json: ["user_id": .string(bob.userID.uuidString)], headers: .bearer(alice.accessToken))
            #expect(refused.errorCode == "staff_required")
            _ = try await platform.withDatabase { db in
                try await db.query("UPDATE control.users SET is_staff = true WHERE id = \(alice.userID)")
            }
            let minted = try await client.request(.post, "/api/v1/auth/impersonate", json: ["user_id": .string(bob.userID.uuidString)], headers: .bearer(alice.accessToken))
            #expect(minted.status == .created)
            let token = try #require(minted.json["token"]?.stringValue)
            let session = try await client.request(.post, "/api/v1/auth/impersonate/exchange", json: ["token": .string(token)])
            #expect(session.status == .ok)
            let access = try #require(session.json["access_token"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(access)).json["id"]?.stringValue == bob.userID.uuidString.lowercased())
            #expect(try await client.request(.post, "/api/v1/auth/impersonate/exchange", json: ["token": .string(token)]).errorCode == "token_used")
            let actions = try await platform.withDatabase { db in
                try await db.query("SELECT action, actor_user_id FROM control.audit_events WHERE action LIKE 'impersonation.%'").collect()
                    .map { try $0.decode((String, UUID?).self) }
            }
            #expect(actions.contains { $0.0 == "impersonation.started" && $0.1 == alice.userID })
            #expect(actions.contains { $0.0 == "impersonation.exchanged" && $0.1 == alice.userID })
        }
    }

    @Test func clerkCheckAnswersSessionsOnlyWithTheSecret() async throws {
        try await TestPlatform.run(configure: { $0.clerkSecret = "clerk-shared-secret" }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let secret: HTTPFields = [HTTPField.Name("X-Clerk-Secret")!: "clerk-shared-secret"]
            let found = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": .string(alice.email), "clerk_id": "user_abc"], headers: secret)
            #expect(found.json["exists"] == true)
            #expect(found.json["access_token"]?.stringValue != nil)
            let byClerkID = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": "changed@example.com", "clerk_id": "user_abc"], headers: secret)
            #expect(byClerkID.json["user_id"]?.stringValue == alice.userID.uuidString.lowercased())
            let absent = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": "nobody@example.com"], headers: secret)
            #expect(absent.status == .ok)
            #expect(absent.json["exists"] == false)
            #expect(absent.json["access_token"] == nil)
            let wrong = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": .string(alice.email)], headers: [HTTPField.Name("X-Clerk-Secret")!: "guess"])
            let missing = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": .string(alice.email)])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text == missing.text)
        }
        try await TestPlatform.run { client, _ in
            let unconfigured = try await client.request(.post, "/api/v1/auth/clerk/check", json: ["email": "a@example.com"])
            #expect(unconfigured.status == .notFound)
            #expect(unconfigured.errorCode == "not_configured")
        }
    }
}
