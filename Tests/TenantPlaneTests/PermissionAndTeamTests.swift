import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// The role matrix (§2.5) decides every named permission on the next request; teams (§2.4) are
/// hierarchical without cycles, and creating or deleting one needs its permission.
@Suite struct PermissionAndTeamTests {
    @Test func theMatrixDecidesOnTheNextRequestAndOwnersStayWhole() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)
            let asBob = bob.headers(workspace: alice.workspaceID)

            let catalogue = try await client.request(.get, "/api/v1/permissions?resource=team", headers: asBob)
            #expect(catalogue.json["items"]?.arrayValue?.allSatisfy { $0["resource"] == "team" } == true)
            #expect(try await client.request(.get, "/api/v1/permissions/grouped", headers: asBob).json["groups"]?.arrayValue?.count == Set(PermissionCatalog.all.map(\.resource)).count)
            #expect(try await client.request(.get, "/api/v1/permissions/check/can_create_recordset", headers: asBob).json["allowed"] == false)
            #expect(try await client.request(.get, "/api/v1/permissions/check/can_fly", headers: asBob).errorCode == "permission_not_found")
            let denied = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Viewer's"], headers: asBob)
            #expect(denied.errorCode == "insufficient_permissions")
            #expect(try await client.request(.get, "/api/v1/permissions/roles", headers: asBob).errorCode == "insufficient_permissions")

            // The owner lets viewers create recordsets: the very next request may.
            let granted = try await client.request(.patch, "/api/v1/permissions/roles/viewer", json: ["permission": "can_create_recordset", "allowed": true], headers: alice.headers())
            #expect(granted.json["permissions"]?.arrayValue?.contains { $0["permission"] == "can_create_recordset" && $0["allowed"] == true && $0["is_custom"] == true } == true)
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Viewer's"], headers: asBob).status == .created)
            #expect(try await client.request(.get, "/api/v1/permissions/me", headers: asBob).json["permissions"]?.arrayValue?.contains("can_create_recordset") == true)

            // Bulk, then reset to the defaults.
            let bulk = try await client.request(.put, "/api/v1/permissions/roles/member", json: ["permissions": ["can_create_record": false, "can_create_team": true]], headers: alice.headers())
            #expect(bulk.status == .ok)
            let matrix = try await client.request(.get, "/api/v1/permissions/roles", headers: alice.headers())
            #expect(matrix.json["roles"]?["member"]?.arrayValue?.contains("can_create_team") == true)
            #expect(matrix.json["roles"]?["member"]?.arrayValue?.contains("can_create_record") == false)
            #expect(matrix.json["roles"]?["owner"]?.arrayValue?.count == PermissionCatalog.all.count)
            _ = try await client.request(.post, "/api/v1/permissions/roles/viewer/reset", headers: alice.headers())
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Again"], headers: asBob).errorCode == "insufficient_permissions")

            // Owners cannot be changed; admins cannot change what admins may do; bad input is 4xx.
            #expect(try await client.request(.patch, "/api/v1/permissions/roles/owner", json: ["permission": "can_delete_team", "allowed": false], headers: alice.headers()).errorCode == "owner_immutable")
            #expect(try await client.request(.post, "/api/v1/permissions/roles/owner/reset", headers: alice.headers()).errorCode == "owner_immutable")
            #expect(try await client.request(.get, "/api/v1/permissions/roles/emperor", headers: alice.headers()).errorCode == "role_not_found")
            #expect(try await client.request(.put, "/api/v1/permissions/roles/member", json: ["permissions": ["can_fly": true]], headers: alice.headers()).status == .unprocessableContent)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .admin)
            #expect(try await client.request(.patch, "/api/v1/permissions/roles/admin", json: ["permission": "can_delete_team", "allowed": false], headers: carol.headers(workspace: alice.workspaceID)).errorCode == "insufficient_role")
            #expect(try await client.request(.patch, "/api/v1/permissions/roles/viewer", json: ["permission": "can_create_team", "allowed": true], headers: carol.headers(workspace: alice.workspaceID)).status == .ok)

            // The seed is idempotent: provisioning wrote every row already.
            let seeded = try await client.request(.post, "/api/v1/permissions/seed", headers: alice.headers())
            #expect(seeded.status == .created)
            #expect(seeded.json["added"]?.intValue == 0)
        }
    }

    @Test func teamsNestWithoutCyclesAndNeedTheirPermissions() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            let asBob = bob.headers(workspace: alice.workspaceID)
            #expect(try await client.request(.post, "/api/v1/teams", json: ["name": "Bob's"], headers: asBob).errorCode == "insufficient_permissions")

            func id(_ response: JSONResponse) throws -> String { try #require(response.json["id"]?.stringValue, "\(response.text)") }
            let top = try id(try await client.request(.post, "/api/v1/teams", json: ["name": "Engineering"], headers: alice.headers()))
            let middle = try id(try await client.request(.post, "/api/v1/teams", json: ["name": "Platform", "parent_team_id": .string(top)], headers: alice.headers()))
            let bottom = try id(try await client.request(.post, "/api/v1/teams", json: ["name": "Databases", "parent_team_id": .string(middle)], headers: alice.headers()))
            #expect(try await client.request(.post, "/api/v1/teams", json: ["name": "engineering"], headers: alice.headers()).errorCode == "team_name_taken")
            let cycle = try await client.request(.patch, "/api/v1/teams/\(top)", json: ["parent_team_id": .string(bottom)], headers: alice.headers())
            #expect(cycle.status == .unprocessableContent)
            #expect(try await client.request(.patch, "/api/v1/teams/\(top)", json: ["parent_team_id": .string(top)], headers: alice.headers()).status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/teams?parent_team_id=\(middle)", headers: asBob).json["items"]?.arrayValue?.map { $0["id"]?.stringValue } == [bottom])

            let bobMember = try #require(try await client.request(.get, "/api/v1/members/me", headers: asBob).json["id"]?.stringValue)
            let added = try await client.request(.post, "/api/v1/teams/\(middle)/members", json: ["member_id": .string(bobMember)], headers: alice.headers())
            #expect(added.status == .created)
            #expect(added.json["role"] == "member")
            #expect(try await client.request(.post, "/api/v1/teams/\(middle)/members", json: ["member_id": .string(bobMember)], headers: alice.headers()).errorCode == "already_in_team")
            #expect(try await client.request(.patch, "/api/v1/teams/\(middle)/members/\(bobMember)", json: ["role": "lead"], headers: alice.headers()).json["role"] == "lead")
            #expect(try await client.request(.get, "/api/v1/teams/\(middle)", headers: asBob).json["member_count"]?.intValue == 1)
            #expect(try await client.request(.get, "/api/v1/teams/\(middle)/members", headers: asBob).json["items"]?[0]?["role"] == "lead")

            // Granting members can_delete_team lets Bob delete; the sub-team moves up.
            #expect(try await client.request(.delete, "/api/v1/teams/\(middle)", headers: asBob).errorCode == "insufficient_permissions")
            _ = try await client.request(.patch, "/api/v1/permissions/roles/member", json: ["permission": "can_delete_team", "allowed": true], headers: alice.headers())
            #expect(try await client.request(.delete, "/api/v1/teams/\(middle)", headers: asBob).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/teams/\(bottom)", headers: asBob).json["parent_team_id"]?.stringValue == top)
            #expect(try await client.request(.delete, "/api/v1/teams/\(middle)", headers: alice.headers()).errorCode == "team_not_found")
            // A team membership is not an "owned item" of the member.
            _ = try await client.request(.post, "/api/v1/teams/\(bottom)/members", json: ["member_id": .string(bobMember)], headers: alice.headers())
            #expect(try await client.request(.get, "/api/v1/members/\(bobMember)/owned-items", headers: alice.headers()).json["total"]?.intValue == 0)
            #expect(try await client.request(.delete, "/api/v1/teams/\(bottom)/members/\(bobMember)", headers: alice.headers()).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/teams/\(bottom)/members/\(bobMember)", headers: alice.headers()).errorCode == "member_not_found")
        }
    }
}
