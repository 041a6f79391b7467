import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// Tenant isolation, the first law: for every tenant route, workspace A's credentials cannot read
/// or write workspace B — not by header, not by id, not by API key.
@Suite struct IsolationTests {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let path: @Sendable (_ ids: SeededIDs) -> String
        let body: @Sendable (_ ids: SeededIDs) -> JSONValue?
    }

    struct SeededIDs: Sendable {
        let recordset: String
        let record: String
        let apiKey: String
    }

    static let routes: [Route] = [
        Route(method: .get, path: { _ in "/api/v1/recordsets" }, body: { _ in nil }),
        Route(method: .post, path: { _ in "/api/v1/recordsets" }, body: { _ in ["name": "intruder"] }),
        Route(method: .get, path: { "/api/v1/recordsets/\($0.recordset)" }, body: { _ in nil }),
        Route(method: .patch, path: { "/api/v1/recordsets/\($0.recordset)" }, body: { _ in ["name": "pwned"] }),
        Route(method: .delete, path: { "/api/v1/recordsets/\($0.recordset)" }, body: { _ in nil }),
        Route(method: .get, path: { "/api/v1/records?recordset_id=\($0.recordset)" }, body: { _ in nil }),
        Route(method: .post, path: { _ in "/api/v1/records" }, body: { ["recordset_id": .string($0.recordset), "data": ["x": 1]] }),
        Route(method: .get, path: { "/api/v1/records/\($0.record)" }, body: { _ in nil }),
        Route(method: .patch, path: { "/api/v1/records/\($0.record)" }, body: { _ in ["data": ["pwned": true]] }),
        Route(method: .delete, path: { "/api/v1/records/\($0.record)" }, body: { _ in nil }),
        Route(method: .get, path: { _ in "/api/v1/api-keys" }, body: { _ in nil }),
        Route(method: .post, path: { _ in "/api/v1/api-keys" }, body: { _ in ["name": "intruder", "scopes": ["admin"]] }),
        Route(method: .get, path: { "/api/v1/api-keys/\($0.apiKey)" }, body: { _ in nil }),
        Route(method: .post, path: { "/api/v1/api-keys/\($0.apiKey)/revoke" }, body: { _ in nil }),
        Route(method: .delete, path: { "/api/v1/api-keys/\($0.apiKey)" }, body: { _ in nil }),
        Route(method: .get, path: { _ in "/api/v1/workspace/health" }, body: { _ in nil }),
        Route(method: .post, path: { _ in "/api/v1/workspace/migrate" }, body: { _ in nil }),
    ]

    func seed(_ client: any TestClientProtocol, _ account: TestAccount) async throws -> SeededIDs {
        let recordset = try await client.request(.post, "/api/v1/recordsets", json: ["name": "secret"], headers: account.headers())
        let recordsetID = try #require(recordset.json["id"]?.stringValue)
        let record = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordsetID), "data": ["secret": "yes"]], headers: account.headers())
        let key = try await client.createAPIKey(for: account, scopes: ["admin"], name: "owner key")
        return SeededIDs(recordset: recordsetID, record: try #require(record.json["id"]?.stringValue), apiKey: key.id)
    }

    /// Everything workspace A holds, as its owner sees it.
    func contents(_ client: any TestClientProtocol, _ account: TestAccount) async throws -> [String] {
        var parts: [String] = []
        for path in ["/api/v1/recordsets", "/api/v1/records", "/api/v1/api-keys"] {
            let response = try await client.request(.get, path, headers: account.headers())
            let items = response.json["items"]?.arrayValue ?? []
            parts += items.map { item in
                let fields = ["id", "name", "data", "version", "is_active", "revoked_at"].map { "\($0)=\(String(describing: item[$0]))" }
                return fields.joined(separator: ",")
            }
        }
        return parts.sorted()
    }

    @Test func noCredentialOfOneWorkspaceReachesAnother() async throws {
        try await TestPlatform.run { client, _ in
            let a = try await client.signUp("alice", company: "A")
            let b = try await client.signUp("bob", company: "B")
            let aIDs = try await seed(client, a)
            let bIDs = try await seed(client, b)
            let aKey = try await client.createAPIKey(for: a, scopes: ["admin"], name: "A's key")
            let aBefore = try await contents(client, a)
            let bBefore = try await contents(client, b)

            for route in Self.routes {
                let label = "\(route.method) \(route.path(bIDs))"
                // A's JWT with B's header.
                let byHeader = try await client.request(route.method, route.path(bIDs), json: route.body(bIDs), headers: a.headers(workspace: b.workspaceID))
                #expect(byHeader.status == .forbidden, "A's token, B's header: \(label) → \(byHeader.status)")
                #expect(byHeader.errorCode == "workspace_forbidden", "\(label)")

                // A's API key with B's header.
                var keyHeaders: HTTPFields = .bearer(aKey.key)
                keyHeaders[HTTPField.Name("X-Workspace-Id")!] = b.workspaceID
                let byKey = try await client.request(route.method, route.path(bIDs), json: route.body(bIDs), headers: keyHeaders)
                #expect(byKey.status == .forbidden, "A's key, B's header: \(label) → \(byKey.status)")

                // An unknown workspace looks exactly like someone else's.
                let unknown = try await client.request(route.method, route.path(bIDs), json: route.body(bIDs), headers: a.headers(workspace: UUID().uuidString))
                #expect(unknown.status == .forbidden && unknown.errorCode == "workspace_forbidden", "unknown workspace: \(label)")

                // No credentials, no header, a malformed header.
                #expect(try await client.request(route.method, route.path(bIDs), json: route.body(bIDs)).status == .unauthorized, "anonymous: \(label)")
                var noHeader: HTTPFields = .bearer(a.accessToken)
                noHeader[HTTPField.Name("X-Workspace-Id")!] = nil
                #expect(try await client.request(route.method, route.path(bIDs), json: route.body(bIDs), headers: noHeader).errorCode == "workspace_required", "\(label)")
                #expect(try await client.request(route.method, route.path(bIDs), json: route.body(bIDs), headers: a.headers(workspace: "not-a-uuid")).errorCode == "invalid_workspace_id", "\(label)")
            }

            // B, in its own workspace, asks for A's ids: they do not exist there.
            for route in Self.routes where route.path(aIDs) != route.path(bIDs) || route.body(aIDs) != route.body(bIDs) {
                let response = try await client.request(route.method, route.path(aIDs), json: route.body(aIDs), headers: b.headers())
                if route.path(aIDs).contains("?") {
                    #expect(response.status == .ok && response.json["total"]?.intValue == 0, "B filtering by A's recordset sees nothing")
                } else {
                    #expect(response.status == .notFound, "B's token with A's ids: \(route.method) \(route.path(aIDs)) → \(response.status)")
                }
            }
            // A's key with no header is scoped to A and cannot see B's ids either.
            let crossID = try await client.request(.get, "/api/v1/records/\(bIDs.record)", headers: .bearer(aKey.key))
            #expect(crossID.status == .notFound)

            // After all of that, A's data is exactly as it was; B only has what B created itself.
            #expect(try await contents(client, a) == aBefore)
            let bAfter = try await contents(client, b)
            #expect(bAfter.filter { !bBefore.contains($0) }.allSatisfy { !$0.contains("pwned") && !$0.contains("intruder") })
        }
    }
}
