@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformTesting
import PostgresNIO
import Testing

/// Every write of every workspace-scoped route, tried by a viewer, a member, an admin, the owner,
/// a staff user who is not a member, the owner of another workspace, and API keys with and
/// without the `admin` scope: the gate lets through exactly whom the route's rule (and, for a
/// named permission, the workspace's live matrix) allows, and a refusal changes nothing.
@Suite struct RoleMatrixTests {
    enum Caller: String, CaseIterable {
        case viewer, member, admin, owner, staff, outsider, adminKey = "admin key", readKey = "read-only key"
    }

    @Test func eachWriteAdmitsExactlyTheRolesItsRuleNames() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let carol = try await platform.account(.carol, via: client)
            func register(_ name: String) async throws -> TestAccount {
                let email = "\(name)-\(UUID().uuidString.prefix(6).lowercased())@example.com"
                _ = try await client.request(.post, "/api/v1/auth/register", json: ["email": .string(email), "password": "correct horse battery", "full_name": .string(name)])
                let login = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "correct horse battery"])
                let me = try await client.request(.get, "/api/v1/auth/me", headers: .bearer(login.json["access_token"]!.stringValue!))
                return TestAccount(email: email, password: "correct horse battery", userID: UUID(uuidString: me.json["id"]!.stringValue!)!,
                                   workspaceID: alice.workspaceID, accessToken: login.json["access_token"]!.stringValue!, refreshToken: "")
            }
            let viewer = try await register("viewer"), staff = try await register("staff")
            let outsider = try await client.signUp("outsider")
            try await platform.addMember(viewer, to: alice.workspaceID, role: .viewer)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            try await platform.addMember(bob, to: alice.workspaceID, role: .admin)
            _ = try await platform.withDatabase { db in try await db.query("UPDATE control.users SET is_staff = true WHERE id = \(staff.userID)") }
            // Every allowed write runs once per admitted caller: more keys and members than a trial's limits.
            _ = try await platform.withDatabase { db in
                try await db.query("UPDATE control.subscriptions SET tier_id = 'enterprise' WHERE workspace_id = \(alice.workspaceID)")
            }
            let adminKey = try await client.createAPIKey(for: alice, scopes: ["admin"], name: "admin")
            let readKey = try await client.createAPIKey(for: alice, scopes: ["records:read"], name: "read")

            @Sendable func headers(_ caller: Caller) -> HTTPFields {
                switch caller {
                case .viewer: viewer.headers(workspace: alice.workspaceID)
                case .member: carol.headers(workspace: alice.workspaceID)
                case .admin: bob.headers(workspace: alice.workspaceID)
                case .owner: alice.headers()
                case .staff: staff.headers(workspace: alice.workspaceID)
                case .outsider: outsider.headers(workspace: alice.workspaceID)
                case .adminKey: .bearer(adminKey.key)
                case .readKey: .bearer(readKey.key)
                }
            }
            let roles: [Caller: Role] = [.viewer: .viewer, .member: .member, .admin: .admin, .owner: .owner]

            let checked = try await platform.withDatabase { db in
            let fingerprint = try await Self.fingerprint(of: alice.workspaceID, on: db)
            let writes = platform.inventory.operations.filter { $0.access.isWorkspaceScoped && $0.method != .get && !$0.workspaceFromPath }
            #expect(writes.count >= 30)
            var checked = 0
            for operation in writes {
                guard let permission = operation.access.permission else { continue }
                let ids = try await seed(client, alice)
                let matrix = try await client.request(.get, "/api/v1/permissions/roles", headers: alice.headers()).json["roles"]
                let path = path(operation, ids)
                let body = operation.bodyExample.map { substitute($0, ids) }
                for caller in Caller.allCases {
                    let expected: Bool
                    switch caller {
                    case .staff, .outsider: expected = false
                    case .adminKey: expected = true
                    case .readKey: expected = permission.scope == nil || permission.scope == "records:read"
                    default:
                        let role = roles[caller]!
                        if let name = permission.name {
                            expected = matrix?[role.rawValue]?.arrayValue?.contains(.string(name)) == true
                        } else {
                            expected = role >= permission.minimumRole
                        }
                    }
                    let before = try await fingerprint()
                    let response = try await client.request(operation.method, path, json: body, headers: headers(caller))
                    let refused = response.errorCode == "insufficient_permissions" || response.errorCode == "workspace_forbidden"
                    let label = "\(caller.rawValue): \(operation.method) \(operation.path) → \(response.status) \(response.errorCode ?? "")"
                    #expect(refused == !expected, "\(label)")
                    if refused { #expect(try await fingerprint() == before, "a refused call changed something: \(label)") }
                    checked += 1
                }
            }
            return checked
            }
            #expect(checked >= 200)
        }
    }

    /// Fresh ids of each kind in the owner's workspace, so earlier deletions do not leak into later rows.
    func seed(_ client: any TestClientProtocol, _ owner: TestAccount) async throws -> [String: String] {
        func id(_ response: JSONResponse) -> String { response.json["id"]?.stringValue ?? "00000000-0000-4000-8000-000000000000" }
        let recordset = id(try await client.request(.post, "/api/v1/recordsets", json: ["name": "matrix"], headers: owner.headers()))
        let record = id(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordset), "data": [:]], headers: owner.headers()))
        let team = id(try await client.request(.post, "/api/v1/teams", json: ["name": .string("team \(UUID().uuidString.prefix(8))")], headers: owner.headers()))
        let key = try await client.createAPIKey(for: owner, scopes: ["records:read"], name: "seed").id
        let member = id(try await client.request(.get, "/api/v1/members/me", headers: owner.headers()))
        return ["recordset_id": recordset, "record_id": record, "team_id": team, "api_key_id": key, "member_id": member,
                "job_id": UUID().uuidString.lowercased(), "role": "viewer", "permission": "can_create_record"]
    }

    func path(_ operation: APIOperation, _ ids: [String: String]) -> String {
        operation.pathParameters.reduce(operation.path) { $0.replacingOccurrences(of: "{\($1)}", with: ids[$1] ?? UUID().uuidString) }
    }

    func substitute(_ body: JSONValue, _ ids: [String: String]) -> JSONValue {
        guard case .object(var fields) = body else { return body }
        for (name, id) in ids where fields[name] != nil { fields[name] = .string(id) }
        return .object(fields)
    }

    /// What a refused call must not have touched: every row of the workspace's schema, and its
    /// members, keys (but when they were last used: recorded for refused calls too) and row in
    /// the control schema. One query over a hash of each table.
    static func fingerprint(of workspace: UUID, on db: PostgresClient) async throws -> @Sendable () async throws -> String {
        let schema = SchemaName.tenant(workspace)
        var tables: [String] = []
        for try await name in try await db.query("""
            SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(schema.name) AND table_type = 'BASE TABLE' ORDER BY 1
            """).decode(String.self) { tables.append(name) }
        let id = "'\(workspace.uuidString.lowercased())'::uuid"
        let parts = tables.map { "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \(schema.quoted).\"\($0)\" t)" } + [
            "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM control.workspace_members t WHERE workspace_id = \(id))",
            "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM (SELECT id, name, scopes, is_active, revoked_at, expires_at FROM control.api_keys WHERE workspace_id = \(id)) t)",
            "(SELECT md5(t::text) FROM control.workspaces t WHERE id = \(id))",
        ]
        let sql = "SELECT " + parts.joined(separator: " || ")
        return {
            try await db.query(PostgresQuery(unsafeSQL: sql)).decode(String.self).first { _ in true } ?? ""
        }
    }
}
