import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// `/members`: the roster in the workspace's own schema, tours, offboarding (owned items,
/// reassign, removal, permanent deletion) and who may do what to whom.
@Suite struct MemberTests {
    @Test func listSearchAllMeAndTours() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)

            let listed = try await client.request(.get, "/api/v1/members?limit=1", headers: alice.headers())
            #expect(listed.json["total"]?.intValue == 2)
            #expect(listed.json["items"]?.arrayValue?.count == 1)
            let search = try await client.request(.get, "/api/v1/members?search=\(bob.email.prefix(5))", headers: alice.headers())
            #expect(search.json["items"]?.arrayValue?.map { $0["email"]?.stringValue } == [bob.email])
            let wildcard = try await client.request(.get, "/api/v1/members?search=%25", headers: alice.headers())
            #expect(wildcard.json["total"]?.intValue == 0, "a % in the search is a literal")
            let all = try await client.request(.get, "/api/v1/members/all", headers: bob.headers(workspace: alice.workspaceID))
            #expect(all.json["items"]?.arrayValue?.count == 2)
            #expect(all.json["items"]?[0]?["user_id"] == nil, "minimal fields only")

            let me = try await client.request(.get, "/api/v1/members/me", headers: bob.headers(workspace: alice.workspaceID))
            #expect(me.json["role"] == "viewer")
            #expect(me.json["user_id"]?.stringValue == bob.userID.uuidString.lowercased())
            let recorded = try await client.request(.post, "/api/v1/members/me/tours", json: ["tour_id": "welcome", "status": "completed"], headers: bob.headers(workspace: alice.workspaceID))
            #expect(recorded.json["tours"]?["welcome"]?["status"] == "completed")
            _ = try await client.request(.post, "/api/v1/members/me/tours", json: ["tour_id": "records", "status": "skipped"], headers: bob.headers(workspace: alice.workspaceID))
            let one = try await client.request(.delete, "/api/v1/members/me/tours?tour_id=welcome", headers: bob.headers(workspace: alice.workspaceID))
            #expect(one.json["tours"]?["welcome"] == nil)
            #expect(one.json["tours"]?["records"]?["status"] == "skipped")
            let none = try await client.request(.delete, "/api/v1/members/me/tours", headers: bob.headers(workspace: alice.workspaceID))
            #expect(none.json["tours"] == .object([:]))
            #expect(try await client.request(.post, "/api/v1/members/me/tours", json: ["tour_id": "x", "status": "maybe"], headers: alice.headers()).status == .unprocessableContent)
        }
    }

    @Test func adminsAddEditAndManageOnlyTheirEqualsOrLower() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let carol = try await platform.account(.carol, via: client)
            let added = try await client.request(.post, "/api/v1/members", json: ["email": .string(bob.email), "role": "admin"], headers: alice.headers())
            #expect(added.status == .created)
            let bobMember = try #require(added.json["id"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(bob.accessToken)).json["member"]?["id"]?.stringValue == bobMember,
                    "the control membership points at the same tenant member")
            #expect(try await client.request(.post, "/api/v1/members", json: ["user_id": .string(UUID().uuidString), "role": "member"], headers: alice.headers()).errorCode == "user_not_found")
            // Adding someone who is already in is not a back door to their role (the last owner included).
            #expect(try await client.request(.post, "/api/v1/members", json: ["user_id": .string(alice.userID.uuidString), "role": "viewer"], headers: alice.headers()).errorCode == "already_member")
            #expect(try await client.request(.get, "/api/v1/members/me", headers: alice.headers()).json["role"] == "owner")

            // Bob (admin) adds Carol as a member, cannot make an owner, edits Carol but not Alice.
            #expect(try await client.request(.post, "/api/v1/members", json: ["user_id": .string(carol.userID.uuidString), "role": "owner"], headers: bob.headers(workspace: alice.workspaceID)).errorCode == "insufficient_role")
            let carolMember = try #require(try await client.request(.post, "/api/v1/members", json: ["user_id": .string(carol.userID.uuidString), "role": "member"], headers: bob.headers(workspace: alice.workspaceID)).json["id"]?.stringValue)
            let edited = try await client.request(.patch, "/api/v1/members/\(carolMember)", json: ["display_name": "Caz", "role": "viewer"], headers: bob.headers(workspace: alice.workspaceID))
            #expect(edited.json["display_name"] == "Caz")
            #expect(edited.json["role"] == "viewer")
            let aliceMember = try #require(try await client.request(.get, "/api/v1/members/me", headers: alice.headers()).json["id"]?.stringValue)
            #expect(try await client.request(.patch, "/api/v1/members/\(aliceMember)", json: ["title": "Boss?"], headers: bob.headers(workspace: alice.workspaceID)).errorCode == "insufficient_role")
            // Carol (viewer) edits herself, not others, and cannot promote herself.
            #expect(try await client.request(.patch, "/api/v1/members/\(carolMember)", json: ["title": "Viewer"], headers: carol.headers(workspace: alice.workspaceID)).json["title"] == "Viewer")
            #expect(try await client.request(.patch, "/api/v1/members/\(bobMember)", json: ["title": "x"], headers: carol.headers(workspace: alice.workspaceID)).errorCode == "insufficient_role")
            #expect(try await client.request(.patch, "/api/v1/members/\(carolMember)", json: ["role": "admin"], headers: carol.headers(workspace: alice.workspaceID)).errorCode == "insufficient_role")
            #expect(try await client.request(.post, "/api/v1/members", json: ["email": .string(carol.email), "role": "viewer"], headers: carol.headers(workspace: alice.workspaceID)).errorCode == "insufficient_permissions")

            // Carol's picture, uploaded by herself, shows in the roster.
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
            var headers = carol.headers(workspace: alice.workspaceID)
            headers[.contentType] = nil
            let uploaded = try await client.upload("/api/v1/members/\(carolMember)/avatar", file: png, headers: headers)
            #expect(uploaded.json["avatar_url"]?.stringValue?.contains("/api/v1/files/avatars/") == true)
            #expect(try await client.upload("/api/v1/members/\(bobMember)/avatar", file: png, headers: headers).errorCode == "insufficient_role")
        }
    }

    @Test func offboardingCountsReassignsAndRemoves() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            let bobHeaders = bob.headers(workspace: alice.workspaceID)
            let recordset = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Bob's"], headers: bobHeaders).json["id"]?.stringValue)
            for index in 0..<3 {
                _ = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordset), "data": ["n": .number(Double(index))]], headers: bobHeaders)
            }
            let bobMember = try #require(try await client.request(.get, "/api/v1/members/me", headers: bobHeaders).json["id"]?.stringValue)
            let aliceMember = try #require(try await client.request(.get, "/api/v1/members/me", headers: alice.headers()).json["id"]?.stringValue)

            let owned = try await client.request(.get, "/api/v1/members/\(bobMember)/owned-items", headers: alice.headers())
            #expect(owned.json["total"]?.intValue == 4)
            #expect(owned.json["references"]?.arrayValue?.contains { $0["table"] == "records" && $0["column"] == "created_by" && $0["items"]?.intValue == 3 } == true)
            let info = try await client.request(.get, "/api/v1/members/\(bobMember)/deletion-info", headers: alice.headers())
            #expect(info.json["workspace_count"]?.intValue == 2)
            #expect(info.json["can_delete_user"] == false)

            let moved = try await client.request(.post, "/api/v1/members/\(bobMember)/reassign", json: ["to_member_id": .string(aliceMember)], headers: alice.headers())
            #expect(moved.json["total"]?.intValue == 4)
            #expect(try await client.request(.get, "/api/v1/members/\(bobMember)/owned-items", headers: alice.headers()).json["total"]?.intValue == 0)
            #expect(try await client.request(.get, "/api/v1/members/\(aliceMember)/owned-items", headers: alice.headers()).json["total"]?.intValue == 4)
            #expect(try await client.request(.post, "/api/v1/members/\(bobMember)/reassign", json: ["to_member_id": .string(bobMember)], headers: alice.headers()).status == .unprocessableContent)

            #expect(try await client.request(.delete, "/api/v1/members/\(bobMember)/permanent", headers: alice.headers()).errorCode == "user_in_other_workspaces")
            #expect(try await client.request(.delete, "/api/v1/members/\(bobMember)", headers: alice.headers()).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/members/\(bobMember)", headers: alice.headers()).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bobHeaders).errorCode == "workspace_forbidden")
            #expect(try await client.request(.delete, "/api/v1/members/\(aliceMember)", headers: alice.headers()).errorCode == "last_owner")

            // Someone who is only here can be deleted for good.
            let added = try await client.request(.post, "/api/v1/auth/register", json: ["email": "solo@example.com", "password": "correct horse battery", "full_name": "Solo"])
            let soloUser = try #require(added.json["id"]?.stringValue)
            let solo = try #require(try await client.request(.post, "/api/v1/members", json: ["user_id": .string(soloUser), "role": "member"], headers: alice.headers()).json["id"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/members/\(solo)/deletion-info", headers: alice.headers()).json["can_delete_user"] == true)
            #expect(try await client.request(.delete, "/api/v1/members/\(solo)/permanent", headers: alice.headers()).status == .noContent)
            #expect(try await client.request(.post, "/api/v1/auth/login", json: ["email": "solo@example.com", "password": "correct horse battery"]).status == .unauthorized)
        }
    }
}
