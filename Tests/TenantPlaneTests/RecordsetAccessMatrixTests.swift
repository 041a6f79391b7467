import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import PlatformCore
import PlatformTesting
import Testing

/// The recordset ACL over every record and recordset route: owner, admin, a member holding each
/// level directly, a member holding one through a team (and one in its sub-team, who does not), a
/// member without a grant, a viewer with a grant, and API keys by scope. Each caller's outcome is
/// derived from three facts — the workspace's matrix (or the key's scopes) lets the route run, the
/// caller sees the recordset, the caller holds the level — and every route is asked.
@Suite struct RecordsetAccessMatrixTests {
    struct Levels: Equatable {
        var view = false, create = false, edit = false, editOwn = false, delete = false, deleteOwn = false, admin = false
        static let all = Levels(view: true, create: true, edit: true, editOwn: true, delete: true, deleteOwn: true, admin: true)

        init(view: Bool = false, create: Bool = false, edit: Bool = false, editOwn: Bool = false, delete: Bool = false, deleteOwn: Bool = false, admin: Bool = false) {
            (self.view, self.create, self.edit, self.editOwn, self.delete, self.deleteOwn, self.admin) = (view, create, edit, editOwn, delete, deleteOwn, admin)
        }

        init(_ json: JSONValue?) {
            func flag(_ key: String) -> Bool { json?[key]?.boolValue ?? false }
            self.init(view: flag("can_view"), create: flag("can_create"), edit: flag("can_edit"), editOwn: flag("can_edit_own"),
                      delete: flag("can_delete"), deleteOwn: flag("can_delete_own"), admin: flag("can_admin"))
        }
    }

    /// What lets a route run before the ACL is asked: the role matrix's defaults, or the key's scopes.
    enum Gate {
        case role(Role)
        case key([String])

        func allows(_ kind: Kind) -> Bool {
            switch self {
            case .role(let role):
                switch kind {
                case .read: return true
                case .comment: return true
                case .recordWrite, .recordsetWrite: return role >= .member
                }
            case .key(let scopes):
                if scopes.contains("admin") { return true }
                return kind == .read ? scopes.contains("records:read") : scopes.contains("records:write")
            }
        }
    }

    enum Kind { case read, comment, recordWrite, recordsetWrite }

    struct Caller {
        let name: String
        let headers: HTTPFields
        let gate: Gate
        let levels: Levels
    }

    @Test func everyRecordAndRecordsetRouteFollowsTheACL() async throws {
        try await TestPlatform.run(configure: { $0.apiKeyRateLimit = RateLimit(perSecond: 1_000, burst: 10_000) }) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let workspace = owner.workspaceID
            let ownerHeaders = owner.headers()
            func id(_ response: JSONResponse, _ field: String = "id") throws -> String {
                try #require(response.json[field]?.stringValue, "\(response.status): \(response.text)")
            }
            func person(_ name: String, _ role: Role) async throws -> (headers: HTTPFields, memberID: String) {
                let account = try await client.signUp(name)
                try await platform.addMember(account, to: workspace, role: role)
                let headers = account.headers(workspace: workspace)
                return (headers, try id(await client.request(.get, "/api/v1/members/me", headers: headers)))
            }
            let recordset = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Deals"], headers: ownerHeaders)
            let slug = try id(recordset, "slug"), recordsetID = try id(recordset)
            let pipeline = try await client.request(.post, "/api/v1/pipelines", json: [
                "recordset_id": .string(recordsetID), "name": "Sales", "stages": [["name": "Lead"], ["name": "Won"]],
            ], headers: ownerHeaders)
            let pipelineID = try id(pipeline)
            let wonStage = try #require(pipeline.json["stages"]?[1]?["id"]?.stringValue)
            func ownerRecord() async throws -> String {
                try id(await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordsetID), "data": ["n": 1]], headers: ownerHeaders))
            }
            let shared = try await ownerRecord()

            func grant(_ grantee: [String: JSONValue], _ levels: [String]) async throws {
                var body = grantee
                body["levels"] = .object(Dictionary(uniqueKeysWithValues: levels.map { ($0, JSONValue.bool(true)) }))
                let granted = try await client.request(.post, "/api/v1/recordsets/\(slug)/access", json: .object(body), headers: ownerHeaders)
                #expect(granted.status == .created, "\(granted.text)")
            }

            var callers: [Caller] = [Caller(name: "owner", headers: ownerHeaders, gate: .role(.owner), levels: .all)]
            let admin = try await person("admin", .admin)
            callers.append(Caller(name: "admin", headers: admin.headers, gate: .role(.admin), levels: .all))
            let direct: [(String, [String], Levels)] = [
                ("can_view", ["can_view"], Levels(view: true)),
                ("can_create", ["can_create"], Levels(view: true, create: true)),
                ("can_edit", ["can_edit"], Levels(view: true, edit: true, editOwn: true)),
                ("can_edit_own", ["can_create", "can_edit_own"], Levels(view: true, create: true, editOwn: true)),
                ("can_delete", ["can_delete"], Levels(view: true, delete: true, deleteOwn: true)),
                ("can_delete_own", ["can_create", "can_delete_own"], Levels(view: true, create: true, deleteOwn: true)),
                ("can_admin", ["can_admin"], .all),
            ]
            for (name, levels, expected) in direct {
                let member = try await person(name.replacingOccurrences(of: "_", with: "-"), .member)
                try await grant(["member_id": .string(member.memberID)], levels)
                callers.append(Caller(name: "member with \(name)", headers: member.headers, gate: .role(.member), levels: expected))
            }
            let team = try id(await client.request(.post, "/api/v1/teams", json: ["name": "Sales team"], headers: ownerHeaders))
            let subTeam = try id(await client.request(.post, "/api/v1/teams", json: ["name": "Inside sales", "parent_team_id": .string(team)], headers: ownerHeaders))
            let inTeam = try await person("in-team", .member), inSubTeam = try await person("in-sub-team", .member)
            _ = try await client.request(.post, "/api/v1/teams/\(team)/members", json: ["member_id": .string(inTeam.memberID)], headers: ownerHeaders)
            _ = try await client.request(.post, "/api/v1/teams/\(subTeam)/members", json: ["member_id": .string(inSubTeam.memberID)], headers: ownerHeaders)
            try await grant(["team_id": .string(team)], ["can_edit"])
            callers.append(Caller(name: "member of a team with can_edit", headers: inTeam.headers, gate: .role(.member), levels: Levels(view: true, edit: true, editOwn: true)))
            callers.append(Caller(name: "member of its sub-team", headers: inSubTeam.headers, gate: .role(.member), levels: Levels()))
            let outsider = try await person("no-grant", .member)
            callers.append(Caller(name: "member without a grant", headers: outsider.headers, gate: .role(.member), levels: Levels()))
            let viewer = try await person("viewer", .viewer)
            try await grant(["member_id": .string(viewer.memberID)], ["can_edit"])
            callers.append(Caller(name: "viewer with can_edit", headers: viewer.headers, gate: .role(.viewer), levels: Levels(view: true, edit: true, editOwn: true)))
            for scopes in [["records:read"], ["records:read", "records:write"], ["admin"], ["crm:read"]] {
                let key = try await client.createAPIKey(for: owner, scopes: scopes, name: scopes.joined(separator: " "))
                let levels: Levels = scopes.contains("admin") ? .all
                    : scopes.contains("records:write") ? Levels(view: true, create: true, edit: true, editOwn: true, delete: true, deleteOwn: true)
                    : Levels(view: scopes.contains("records:read"))
                callers.append(Caller(name: "key \(scopes)", headers: .bearer(key.key), gate: .key(scopes), levels: levels))
            }

            for caller in callers {
                let levels = caller.levels, headers = caller.headers
                func expect(_ response: JSONResponse, _ kind: Kind, _ allowed: Bool, _ success: HTTPResponse.Status, _ what: String,
                            denied: String = "recordset_access_denied", sourceLocation: SourceLocation = #_sourceLocation) {
                    let label = "\(caller.name): \(what) → \(response.status) \(response.errorCode ?? "")"
                    if !caller.gate.allows(kind) {
                        #expect(response.status == .forbidden && response.errorCode == "insufficient_permissions", "\(label)", sourceLocation: sourceLocation)
                    } else if !levels.view {
                        #expect(response.status == .notFound, "\(label)", sourceLocation: sourceLocation)
                    } else if !allowed {
                        #expect(response.status == .forbidden && response.errorCode == denied, "\(label)", sourceLocation: sourceLocation)
                    } else {
                        #expect(response.status == success, "\(label): \(response.text.prefix(300))", sourceLocation: sourceLocation)
                    }
                }

                let listed = try await client.request(.get, "/api/v1/recordsets", headers: headers)
                if caller.gate.allows(.read) {
                    let slugs = listed.json["items"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } ?? []
                    #expect(slugs.contains(slug) == levels.view, "\(caller.name): the recordset list")
                    let crudListed = try await client.request(.get, "/api/v1/crud/recordsets", headers: headers)
                    #expect((crudListed.json["total"]?.intValue ?? 0 > 0) == levels.view, "\(caller.name): the crud recordset list")
                    let records = try await client.request(.get, "/api/v1/records", headers: headers)
                    #expect((records.json["items"]?.arrayValue?.isEmpty == false) == levels.view, "\(caller.name): records of every recordset")
                }
                expect(try await client.request(.get, "/api/v1/recordsets/\(slug)", headers: headers), .read, true, .ok, "GET recordset")
                expect(try await client.request(.get, "/api/v1/crud/recordsets/\(recordsetID)", headers: headers), .read, true, .ok, "GET crud recordset")
                let permissions = try await client.request(.get, "/api/v1/recordsets/\(slug)/permissions", headers: headers)
                expect(permissions, .read, true, .ok, "GET permissions")
                if permissions.status == .ok { #expect(Levels(permissions.json["levels"]) == levels, "\(caller.name): \(permissions.text)") }
                expect(try await client.request(.get, "/api/v1/records?recordset_id=\(recordsetID)", headers: headers), .read, true, .ok, "list records")
                expect(try await client.request(.get, "/api/v1/records/\(shared)", headers: headers), .read, true, .ok, "GET record")
                expect(try await client.request(.get, "/api/v1/crud/records/\(shared)", headers: headers), .read, true, .ok, "GET crud record")
                expect(try await client.request(.get, "/api/v1/records/\(shared)/history", headers: headers), .read, true, .ok, "history")
                expect(try await client.request(.get, "/api/v1/records/\(shared)/comments", headers: headers), .read, true, .ok, "comments")
                expect(try await client.request(.get, "/api/v1/records/\(shared)/relationships", headers: headers), .read, true, .ok, "relationships")
                expect(try await client.request(.get, "/api/v1/recordsets/\(slug)/views", headers: headers), .read, true, .ok, "views")
                expect(try await client.request(.get, "/api/v1/pipelines/\(pipelineID)", headers: headers), .read, true, .ok, "GET pipeline")
                expect(try await client.request(.get, "/api/v1/pipelines/\(pipelineID)/data", headers: headers), .read, true, .ok, "pipeline data")
                expect(try await client.request(.get, "/api/v1/recordsets/\(slug)/access", headers: headers), .read, levels.admin, .ok, "GET access")
                expect(try await client.request(.post, "/api/v1/records/\(shared)/comments", json: ["body": "hi"], headers: headers),
                       .comment, true, .created, "comment")
                expect(try await client.request(.post, "/api/v1/records/\(shared)/dismiss?tool=inbox", headers: headers), .comment, true, .ok, "dismiss")
                expect(try await client.request(.post, "/api/v1/recordsets/\(slug)/views", json: ["name": "mine"], headers: headers),
                       .read, true, .created, "create view")

                let created = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordsetID), "data": ["by": .string(caller.name)]], headers: headers)
                expect(created, .recordWrite, levels.create, .created, "create record")
                expect(try await client.request(.patch, "/api/v1/records/\(shared)", json: ["data": ["seen": .string(caller.name)]], headers: headers),
                       .recordWrite, levels.edit, .ok, "PATCH another's record")
                expect(try await client.request(.put, "/api/v1/crud/records/\(shared)", json: ["data": ["put": .string(caller.name)]], headers: headers),
                       .recordWrite, levels.edit, .ok, "PUT another's record")
                expect(try await client.request(.post, "/api/v1/pipelines/\(pipelineID)/move", json: ["record_id": .string(shared), "stage_id": .string(wonStage)], headers: headers),
                       .recordWrite, levels.edit, .ok, "move another's record")
                expect(try await client.request(.delete, "/api/v1/records/\(try await ownerRecord())", headers: headers),
                       .recordWrite, levels.delete, .noContent, "DELETE another's record")
                expect(try await client.request(.post, "/api/v1/records/bulk-delete", json: ["record_ids": [.string(try await ownerRecord())]], headers: headers),
                       .recordWrite, levels.delete, .ok, "bulk-delete another's record", denied: "bulk_delete_refused")
                if created.status == .created, let own = created.json["id"]?.stringValue {
                    // A key is nobody's member: what it creates is its own only by its levels.
                    let owns = caller.gate.allows(.recordWrite) && { if case .role = caller.gate { return true } else { return false } }()
                    expect(try await client.request(.patch, "/api/v1/records/\(own)", json: ["data": ["mine": true]], headers: headers),
                           .recordWrite, levels.edit || (levels.editOwn && owns), .ok, "PATCH own record")
                    expect(try await client.request(.delete, "/api/v1/records/\(own)", headers: headers),
                           .recordWrite, levels.delete || (levels.deleteOwn && owns), .noContent, "DELETE own record")
                }
                expect(try await client.request(.patch, "/api/v1/recordsets/\(slug)", json: ["description": .string(caller.name)], headers: headers),
                       .recordsetWrite, levels.admin, .ok, "PATCH recordset")
                expect(try await client.request(.put, "/api/v1/crud/recordsets/\(recordsetID)", json: ["name": "Deals"], headers: headers),
                       .recordsetWrite, levels.admin, .ok, "PUT crud recordset")
                expect(try await client.request(.patch, "/api/v1/pipelines/\(pipelineID)", json: ["description": .string(caller.name)], headers: headers),
                       .recordsetWrite, levels.admin, .ok, "PATCH pipeline")
            }

            // A member who makes a recordset owns it: they see it and hold every level there, and
            // nobody else without a grant sees it.
            let maker = try await person("maker", .member)
            let theirs = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Mine"], headers: maker.headers)
            let theirSlug = try id(theirs, "slug")
            let makerPermissions = try await client.request(.get, "/api/v1/recordsets/\(theirSlug)/permissions", headers: maker.headers)
            #expect(Levels(makerPermissions.json["levels"]) == .all && makerPermissions.json["source"] == "owner")
            #expect(try await client.request(.get, "/api/v1/recordsets/\(theirSlug)", headers: outsider.headers).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/recordsets/\(theirSlug)", headers: ownerHeaders).status == .ok)

            // Revoking takes effect on the next request, for a member and for a team.
            #expect(try await client.request(.delete, "/api/v1/recordsets/\(slug)/access/teams/\(team)", headers: ownerHeaders).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/records/\(shared)", headers: inTeam.headers).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/recordsets/\(slug)/access/members/\(viewer.memberID)", headers: ownerHeaders).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/recordsets/\(slug)", headers: viewer.headers).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/recordsets/\(slug)/access/members/\(viewer.memberID)", headers: ownerHeaders).errorCode == "grant_not_found")
        }
    }
}
