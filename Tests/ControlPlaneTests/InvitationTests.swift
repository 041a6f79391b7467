import Foundation
import HTTPTypes
import ControlPlane
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// Invitations by mail and by link, acceptance with a password, cancel and resend; admin resets;
/// the three kinds of removal; and the two databases agreeing when a write between them fails.
@Suite struct InvitationTests {
    static func roster(_ client: any TestClientProtocol, _ owner: TestAccount) async throws -> [JSONValue] {
        try await client.request(.get, "/api/v1/workspaces/\(owner.workspaceID)/members", headers: .bearer(owner.accessToken)).json["items"]?.arrayValue ?? []
    }

    @Test func anInvitedNewcomerSetsAPasswordAndJoinsBothDatabases() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let invited = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: [
                "email": "Newcomer@Example.com", "role": "member",
            ], headers: .bearer(alice.accessToken))
            #expect(invited.status == .created)
            #expect(invited.json["status"] == "invited")
            #expect(invited.json["email"] == "newcomer@example.com")
            #expect(try await Self.roster(client, alice).contains { $0["email"] == "newcomer@example.com" && $0["status"] == "invited" })

            let mail = try await platform.mailbox.latest(to: "newcomer@example.com")
            #expect(mail.subject?.hasPrefix("You are invited to") == true)
            let token = try #require(mail.linkParameter("token"))
            let details = try await client.request(.get, "/api/v1/workspaces/invitations/details?token=\(token)")
            #expect(details.json["password_required"] == true)
            #expect(details.json["role"] == "member")
            #expect(details.json["workspace_id"]?.stringValue == alice.workspaceID.uuidString.lowercased())

            let noPassword = try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: ["token": .string(token)])
            #expect(noPassword.status == .unprocessableContent)
            let accepted = try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: [
                "token": .string(token), "password": "newcomer's password", "full_name": "New Comer",
            ])
            #expect(accepted.status == .ok)
            #expect(accepted.json["workspace_id"]?.stringValue == alice.workspaceID.uuidString.lowercased())
            let access = try #require(accepted.json["access_token"]?.stringValue)
            let me = try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(access))
            #expect(me.json["member"]?["role"] == "member", "the tenant member exists")
            #expect(me.json["full_name"] == "New Comer")
            #expect(me.json["status"] == "active")
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: .bearer(access)).status == .ok, "the bound session reaches the workspace")
            #expect(try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: ["token": .string(token), "password": "again and again"]).errorCode == "token_used")
            #expect(try await Self.roster(client, alice).contains { $0["email"] == "newcomer@example.com" && $0["status"] == "active" && $0["member_id"] != .null })

            let again = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: ["email": "newcomer@example.com", "role": "viewer"], headers: .bearer(alice.accessToken))
            #expect(again.errorCode == "already_member")
            let actions = try await client.request(.get, "/api/v1/audit-log", headers: alice.headers()).json["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions.contains("invitation.sent") && actions.contains("invitation.accepted"))
        }
    }

    @Test func linksResendsAndCancelsReplaceEarlierTokens() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let link = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite-link", json: ["email": .string(bob.email), "role": "admin"], headers: .bearer(alice.accessToken))
            #expect(link.status == .ok)
            let url = try #require(link.json["url"]?.stringValue)
            let first = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "token" }?.value)
            #expect(try platform.mailbox.messages().isEmpty, "a link is not mailed")

            let resent = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite/resend", json: ["user_id": .string(bob.userID.uuidString)], headers: .bearer(alice.accessToken))
            #expect(resent.status == .ok)
            let second = try #require(try await platform.mailbox.latest(to: bob.email).linkParameter("token"))
            #expect(try await client.request(.get, "/api/v1/workspaces/invitations/details?token=\(first)").errorCode == "token_used", "a resend replaces the link")
            let details = try await client.request(.get, "/api/v1/workspaces/invitations/details?token=\(second)")
            #expect(details.json["password_required"] == false, "bob has a password already")

            let cancelled = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invitations/cancel", json: ["email": .string(bob.email)], headers: .bearer(alice.accessToken))
            #expect(cancelled.status == .ok)
            #expect(try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: ["token": .string(second)]).status == .badRequest)
            #expect(try await Self.roster(client, alice).allSatisfy { $0["email"]?.stringValue != bob.email })
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invitations/cancel", json: ["email": .string(bob.email)], headers: .bearer(alice.accessToken)).errorCode == "invitation_not_found")

            // Someone who is not an admin cannot invite; an admin cannot invite an owner.
            try await platform.addMember(bob, to: alice.workspaceID, role: .admin)
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: ["email": "x@example.com", "role": "owner"], headers: .bearer(bob.accessToken)).errorCode == "insufficient_role")
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: ["email": "y@example.com", "role": "viewer"], headers: .bearer(carol.accessToken)).errorCode == "insufficient_permissions")
        }
    }

    @Test func adminsSendPasswordResetsToTheirMembers() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .admin)
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/members/\(bob.userID)/reset-password", headers: .bearer(alice.accessToken)).status == .ok)
            let token = try #require(try await platform.mailbox.latest(to: bob.email).linkParameter("token"))
            #expect(try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": .string(token), "new_password": "reset by my admin"]).status == .ok)

            let link = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/members/\(bob.userID)/reset-password-link", headers: .bearer(alice.accessToken))
            let expires = try #require(link.json["expires_at"]?.stringValue.flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(expires.timeIntervalSinceNow > 23 * 3600, "an admin's link lasts 24 hours")
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/members/\(alice.userID)/reset-password", headers: .bearer(bob.accessToken)).errorCode == "insufficient_role")
            #expect(try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/members/\(UUID())/reset-password", headers: .bearer(alice.accessToken)).errorCode == "member_not_found")
        }
    }

    @Test func removalCancelsInvitationsRemovesMembersAndDeletesLoneAccounts() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            let invited = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: ["email": "pending@example.com", "role": "viewer"], headers: .bearer(alice.accessToken))
            let pendingID = try #require(invited.json["user_id"]?.stringValue)

            // 1. Not yet accepted: the invitation goes, and the account made for it.
            let first = try await client.request(.delete, "/api/v1/workspaces/\(alice.workspaceID)/members/\(pendingID)", headers: .bearer(alice.accessToken))
            #expect(first.status == .ok)
            #expect(first.json["removed"] == "invitation")
            #expect(first.json["user_deleted"] == true)
            // 2. A member with another workspace: out of both databases here, the account stays.
            let second = try await client.request(.delete, "/api/v1/workspaces/\(alice.workspaceID)/members/\(bob.userID)", headers: .bearer(alice.accessToken))
            #expect(second.json["removed"] == "member")
            #expect(second.json["user_deleted"] == false)
            let leftovers = try await platform.withDatabase { db in
                try await db.query("SELECT count(*)::int FROM control.workspace_members WHERE workspace_id = \(alice.workspaceID) AND user_id = \(bob.userID)")
                    .collect().first!.decode(Int.self)
            }
            #expect(leftovers == 0)
            #expect(try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(bob.accessToken)).json["member"] == .null)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bob.headers(workspace: alice.workspaceID)).errorCode == "workspace_forbidden")
            #expect(try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(bob.email), "password": .string(bob.password)]).status == .ok)
            // The last owner stays.
            let last = try await client.request(.delete, "/api/v1/workspaces/\(alice.workspaceID)/members/\(alice.userID)", headers: .bearer(alice.accessToken))
            #expect(last.errorCode == "last_owner")
        }
    }

    @Test func aFailedTenantWriteLeavesNoHalfMembership() async throws {
        let faults = FaultPlan()
        // A simulated crash answers an undocumented 500 (a real one would answer nothing at all).
        try await TestPlatform.run(faults: MembershipFaults { await faults.next($0) }, checksContract: false) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            func controlStatus() async throws -> String? {
                try await platform.withDatabase { db in
                    try await db.query("SELECT status FROM control.workspace_members WHERE workspace_id = \(alice.workspaceID) AND user_id = \(bob.userID)")
                        .collect().first?.decode(String.self)
                }
            }
            func tenantMember() async throws -> Bool {
                try await client.request(.get, "/api/v1/auth/me?workspace_id=\(alice.workspaceID)", headers: .bearer(bob.accessToken)).json["member"] != .null
            }
            _ = try await client.request(.post, "/api/v1/workspaces/\(alice.workspaceID)/invite", json: ["email": .string(bob.email), "role": "member"], headers: .bearer(alice.accessToken))
            let token = try #require(try await platform.mailbox.latest(to: bob.email).linkParameter("token"))

            // The tenant refuses: the acceptance fails, the invitation stands, the token still works.
            await faults.set(.beforeTenantWrite, .fail)
            let refused = try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: ["token": .string(token)])
            #expect(refused.status == .serviceUnavailable)
            #expect(try await controlStatus() == "invited")
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bob.headers(workspace: alice.workspaceID)).errorCode == "workspace_forbidden")

            // The process dies after the tenant write: a `joining` row that grants nothing, then repair.
            await faults.set(.afterTenantWrite, .crash)
            _ = try await client.request(.post, "/api/v1/workspaces/invitations/accept", json: ["token": .string(token)])
            #expect(try await controlStatus() == "joining")
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bob.headers(workspace: alice.workspaceID)).errorCode == "workspace_forbidden")
            try await platform.inventory.members.repair(olderThan: .zero, logger: TestDatabase.logger)
            #expect(try await controlStatus() == "active")
            #expect(try await tenantMember())
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bob.headers(workspace: alice.workspaceID)).status == .ok)

            // Dying halfway through a removal: `leaving` grants nothing, and repair finishes it.
            await faults.set(.afterTenantWrite, .crash)
            _ = try await client.request(.delete, "/api/v1/workspaces/\(alice.workspaceID)/members/\(bob.userID)", headers: .bearer(alice.accessToken))
            #expect(try await controlStatus() == "leaving")
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: bob.headers(workspace: alice.workspaceID)).errorCode == "workspace_forbidden")
            try await platform.inventory.members.repair(olderThan: .zero, logger: TestDatabase.logger)
            #expect(try await controlStatus() == nil)
            #expect(try await !tenantMember())

            // Dying before the tenant write of an add: repair completes the join.
            await faults.set(.beforeTenantWrite, .crash)
            await #expect(throws: SimulatedCrash.self) {
                try await platform.inventory.members.add(userID: bob.userID, to: alice.workspaceID, role: .viewer, logger: TestDatabase.logger)
            }
            #expect(try await controlStatus() == "joining")
            #expect(try await !tenantMember())
            try await platform.inventory.members.repair(olderThan: .zero, logger: TestDatabase.logger)
            #expect(try await controlStatus() == "active")
            #expect(try await tenantMember())
        }
    }
}

/// The next fault to inject, once.
actor FaultPlan {
    private var pending: (MembershipFaults.Point, MembershipFaults.Fault)?

    func set(_ point: MembershipFaults.Point, _ fault: MembershipFaults.Fault) { pending = (point, fault) }

    func next(_ point: MembershipFaults.Point) -> MembershipFaults.Fault? {
        guard let (at, fault) = pending, at == point else { return nil }
        pending = nil
        return fault
    }
}
