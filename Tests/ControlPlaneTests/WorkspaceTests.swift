import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// `/workspaces`: create (a job with SSE), list, show, rename, switch, and staff provisioning.
@Suite struct WorkspaceTests {
    /// Polls a provisioning job until it is done.
    static func waitUntilReady(_ client: any TestClientProtocol, _ statusURL: String) async throws -> JSONResponse {
        for _ in 0..<200 {
            let job = try await client.request(.get, statusURL)
            if job.json["status"] == "COMPLETED" || job.json["status"] == "FAILED" { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the job did not finish")
    }

    @Test func createdWorkspaceIsProvisionedByAJobThatStreams() async throws {
        try await TestPlatform.run(.live) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let created = try await client.request(.post, "/api/v1/workspaces?skip_seed=true", json: ["name": "Research Lab"], headers: .bearer(alice.accessToken))
            #expect(created.status == .created)
            #expect(created.json["workspace"]?["status"] == "provisioning")
            #expect(created.json["workspace"]?["role"] == "owner")
            let id = try #require(created.json["workspace"]?["id"]?.stringValue)
            let stream = try #require(created.json["stream_url"]?.stringValue)
            let read = try await SSEReader.read("http://127.0.0.1:\(try #require(client.port))" + stream, timeout: .seconds(60))
            let last = try #require(read.events.last.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.data.utf8)) })
            #expect(last["status"] == "COMPLETED")
            #expect(last["result"]?["workspace_id"]?.stringValue == id)

            let shown = try await client.request(.get, "/api/v1/workspaces/\(id)", headers: .bearer(alice.accessToken))
            #expect(shown.json["status"] == "active")
            #expect(shown.json["member_count"]?.intValue == 1)
            let mine = try await client.request(.get, "/api/v1/workspaces", headers: .bearer(alice.accessToken))
            #expect(mine.json["total"]?.intValue == 2)
            // Its tenant schema serves the owner at once, and it starts empty.
            let records = try await client.request(.get, "/api/v1/recordsets", headers: alice.headers(workspace: UUID(uuidString: id)!))
            #expect(records.status == .ok)
            #expect(records.json["total"]?.intValue == 0)

            let key = try await client.createAPIKey(for: alice, scopes: ["admin"])
            #expect(try await client.request(.post, "/api/v1/workspaces", json: ["name": "By key"], headers: .bearer(key.key)).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/workspaces", json: ["name": ""], headers: .bearer(alice.accessToken)).status == .unprocessableContent)
        }
    }

    @Test func renamingNeedsAnAdminAndSwitchingBindsTheSession() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            let byMember = try await client.request(.patch, "/api/v1/workspaces/\(alice.workspaceID)", json: ["name": "Bob's now"], headers: .bearer(bob.accessToken))
            #expect(byMember.errorCode == "insufficient_permissions")
            let renamed = try await client.request(.patch, "/api/v1/workspaces/\(alice.workspaceID)", json: ["name": "Alice & Co"], headers: .bearer(alice.accessToken))
            #expect(renamed.json["name"] == "Alice & Co")
            #expect(try await client.request(.get, "/api/v1/workspaces/\(alice.workspaceID)", headers: .bearer(bob.accessToken)).json["role"] == "member")

            // Bob's session switched to Alice's workspace: requests that name none go there.
            let switched = try await client.request(.post, "/api/v1/workspaces/switch", json: ["workspace_id": .string(alice.workspaceID.uuidString)], headers: .bearer(bob.accessToken))
            #expect(switched.json["workspace_id"]?.stringValue == alice.workspaceID.uuidString.lowercased())
            let bound = try #require(switched.json["access_token"]?.stringValue)
            let health = try await client.request(.get, "/api/v1/workspace/health", headers: .bearer(bound))
            #expect(health.json["workspace_id"]?.stringValue == alice.workspaceID.uuidString.lowercased())
            let refreshed = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": switched.json["refresh_token"]!])
            let again = try await client.request(.get, "/api/v1/workspace/health", headers: .bearer(try #require(refreshed.json["access_token"]?.stringValue)))
            #expect(again.json["workspace_id"]?.stringValue == alice.workspaceID.uuidString.lowercased(), "the binding survives a refresh")
            // A header still picks another workspace of theirs.
            #expect(try await client.request(.get, "/api/v1/workspace/health", headers: .bearer(bound, workspace: bob.workspaceID.uuidString)).json["workspace_id"]?.stringValue
                    == bob.workspaceID.uuidString.lowercased())

            let carol = try await platform.account(.carol, via: client)
            let foreign = try await client.request(.post, "/api/v1/workspaces/switch", json: ["workspace_id": .string(carol.workspaceID.uuidString)], headers: .bearer(bob.accessToken))
            #expect(foreign.errorCode == "workspace_forbidden")
        }
    }

    @Test func staffProvisionAWorkspaceAndItsOwnerActivatesByMail() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let body: JSONValue = ["owner_email": "olive@example.com", "owner_name": "Olive", "workspace_name": "Olive & Co"]
            #expect(try await client.request(.post, "/api/v1/workspaces/provision", json: body, headers: .bearer(alice.accessToken)).errorCode == "staff_required")
            _ = try await platform.withDatabase { db in try await db.query("UPDATE control.users SET is_staff = true WHERE id = \(alice.userID)") }

            let provisioned = try await client.request(.post, "/api/v1/workspaces/provision", json: body, headers: .bearer(alice.accessToken))
            #expect(provisioned.status == .ok)
            #expect(provisioned.json["owner_created"] == true)
            let workspaceID = try #require(provisioned.json["workspace_id"]?.stringValue)
            #expect(try await Self.waitUntilReady(client, try #require(provisioned.json["status_url"]?.stringValue)).json["status"] == "COMPLETED")

            let mail = try await platform.mailbox.latest(to: "olive@example.com")
            #expect(mail.subject == "Activate your account")
            #expect(mail.linkParameter("workspace_id") == workspaceID)
            let token = try #require(mail.linkParameter("token"))
            let details = try await client.request(.get, "/api/v1/auth/activate/validate?token=\(token)&workspace_id=\(workspaceID)")
            #expect(details.json["workspace"]?["name"] == "Olive & Co")
            let session = try await client.request(.post, "/api/v1/auth/activate", json: ["token": .string(token), "password": "olive's own password"])
            let access = try #require(session.json["access_token"]?.stringValue)
            let shown = try await client.request(.get, "/api/v1/workspaces/\(workspaceID)", headers: .bearer(access))
            #expect(shown.json["role"] == "owner")
            #expect(shown.json["status"] == "active")

            // An existing account becomes the owner without a mail.
            let bob = try await platform.account(.bob, via: client)
            let forBob = try await client.request(.post, "/api/v1/workspaces/provision", json: [
                "owner_email": .string(bob.email), "owner_name": "", "workspace_name": "Bob's second",
            ], headers: .bearer(alice.accessToken))
            #expect(forBob.json["owner_created"] == false)
            #expect(forBob.json["owner_user_id"]?.stringValue == bob.userID.uuidString.lowercased())
            #expect(try await Self.waitUntilReady(client, try #require(forBob.json["status_url"]?.stringValue)).json["status"] == "COMPLETED")
            #expect(try platform.mailbox.messages().filter { $0.to.contains(bob.email) }.isEmpty)
        }
    }
}
