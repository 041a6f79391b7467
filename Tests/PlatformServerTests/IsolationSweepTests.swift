import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing
import VisibilityEngine

/// Tenant isolation, the first law, over every workspace-scoped operation of the route table: a
/// new route is swept the moment it is registered. Workspace A's credentials never read or write
/// workspace B (by header, by API key, by id), and nothing anyone tries changes A's data.
@Suite struct IsolationSweepTests {
    /// One id of each kind a path or body may name, made in a workspace by its owner. A new kind of
    /// id in a path fails the sweep until it gets a seed here.
    func seed(_ client: any TestClientProtocol, _ owner: TestAccount) async throws -> [String: UUID] {
        func id(_ response: JSONResponse, _ field: String = "id") throws -> UUID {
            try #require(response.json[field]?.stringValue.flatMap(UUID.init(uuidString:)), "seeding: \(response.text)")
        }
        let recordset = try id(await client.request(.post, "/api/v1/recordsets", json: ["name": "secret"], headers: owner.headers()))
        let record = try id(await client.request(
            .post, "/api/v1/records", json: ["recordset_id": .string(recordset.uuidString), "data": ["secret": "yes"]], headers: owner.headers()))
        let key = try #require(UUID(uuidString: try await client.createAPIKey(for: owner, scopes: ["admin"], name: "owner key").id))
        let job = try id(await client.request(.post, "/api/v1/workspace/migrate", headers: owner.headers()), "job_id")
        let member = try id(await client.request(.get, "/api/v1/members/me", headers: owner.headers()))
        let team = try id(await client.request(.post, "/api/v1/teams", json: ["name": "secret team"], headers: owner.headers()))
        _ = try await client.request(.post, "/api/v1/teams/\(team)/members", json: ["member_id": .string(member.uuidString)], headers: owner.headers())
        let view = try id(await client.request(.post, "/api/v1/recordsets/\(recordset)/views", json: ["name": "secret view"], headers: owner.headers()))
        _ = try await client.request(.patch, "/api/v1/records/\(record)", json: ["data": ["secret": "still"]], headers: owner.headers())
        let pipeline = try id(await client.request(.post, "/api/v1/pipelines", json: [
            "recordset_id": .string(recordset.uuidString), "name": "secret pipeline", "stages": [["name": "one"], ["name": "two"]],
        ], headers: owner.headers()))
        let history = try #require(await client.request(.get, "/api/v1/records/\(record)/history", headers: owner.headers())
            .json["items"]?.arrayValue?.last?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        let channel = try id(await client.request(.post, "/api/v1/channels", json: ["name": "secret channel", "type": "private"], headers: owner.headers()))
        let message = try id(await client.request(.post, "/api/v1/channels/\(channel)/messages", json: ["body": "secret"], headers: owner.headers()))
        let channelTask = try id(await client.request(.post, "/api/v1/channels/\(channel)/tasks", json: ["title": "secret task"], headers: owner.headers()))
        let file = try id(await client.upload("/api/v1/channels/\(channel)/files", file: Array("secret notes".utf8), filename: "notes.txt", headers: owner.headers()))
        _ = try await client.request(.post, "/api/v1/channels/\(channel)/records", json: ["record_ids": [.string(record.uuidString)]], headers: owner.headers())
        let contact = try id(await client.request(.post, "/api/v1/crm/contacts", json: ["full_name": "Secret Contact"], headers: owner.headers()))
        // Last contacted 60 days ago: the follow-up rule raises an insight when insights are read.
        _ = try await client.request(.post, "/api/v1/crm/interactions", json: [
            "contact_id": .string(contact.uuidString), "interaction_type": "call", "occurred_at": .string(ISO8601.string(Date().addingTimeInterval(-60 * 86_400))),
        ], headers: owner.headers())
        let task = try id(await client.request(.post, "/api/v1/crm/tasks", json: ["contact_id": .string(contact.uuidString), "title": "secret task"],
                                               headers: owner.headers()))
        let relationship = try id(await client.request(.post, "/api/v1/crm/relationships", json: [
            "source_type": "contact", "source_id": .string(contact.uuidString), "target_type": "record", "target_id": .string(record.uuidString),
            "relationship_type": "owns",
        ], headers: owner.headers()))
        let proposal = try id(await client.request(.post, "/api/v1/crm/proposals", json: ["contact": ["full_name": "Secret Proposal"]], headers: owner.headers()))
        let insight = try #require(await client.request(.get, "/api/v1/crm/insights", headers: owner.headers())
            .json["items"]?[0]?["id"]?.stringValue.flatMap(UUID.init(uuidString:)), "seeding: no insight")
        let project = try id(await client.request(.post, "/api/v1/visibility/projects", json: ["name": "secret project", "brand_name": "Secret"],
                                                  headers: owner.headers()))
        let query = try #require(await client.request(.post, "/api/v1/visibility/projects/\(project)/queries", json: ["queries": [["text": "secret?"]]],
                                                      headers: owner.headers()).json["created"]?[0]?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        let run = try id(await client.request(.post, "/api/v1/visibility/projects/\(project)/runs", json: [:], headers: owner.headers()))
        return [
            "project_id": project, "query_id": query, "run_id": run,
            "channel_id": channel, "message_id": message, "channel_task_id": channelTask, "file_id": file,
            "contact_id": contact, "entity_id": contact, "task_id": task, "relationship_id": relationship, "proposal_id": proposal, "insight_id": insight,
            "view_id": view, "history_id": history, "pipeline_id": pipeline,
            "recordset_id": recordset, "record_id": record, "api_key_id": key, "job_id": job, "member_id": member, "team_id": team, "workspace_id": owner.workspaceID, "user_id": owner.userID,
        ]
    }

    /// Visibility runs ask a local provider (the seed starts one).
    static func visibility(_ baseURL: String) -> VisibilitySettings {
        VisibilitySettings(providers: [.init(name: .openai, apiKey: "test", baseURL: baseURL)])
    }

    /// Values for the parameters that are words, not ids.
    static let words = ["role": "member", "permission": "can_create_record", "entity_type": "contact", "limit_type": "records", "feature": "sso", "price": "price_x"]

    func path(_ operation: APIOperation, _ ids: [String: UUID]) throws -> String {
        var path = operation.path
        for (name, word) in Self.words { path = path.replacingOccurrences(of: "{\(name)}", with: word) }
        // A recordset's slug may be its id, which makes it this workspace's own.
        if let recordset = ids["recordset_id"] { path = path.replacingOccurrences(of: "{recordset_slug}", with: recordset.uuidString.lowercased()) }
        if let channel = ids["channel_id"] { path = path.replacingOccurrences(of: "{channel_slug}", with: channel.uuidString.lowercased()) }
        for name in operation.pathParameters where Self.words[name] == nil && !name.hasSuffix("_slug") {
            // Channel tasks and CRM tasks share the parameter's name.
            let seed = name == "task_id" && operation.path.hasPrefix("/api/v1/channels/") ? "channel_task_id" : name
            let id = try #require(ids[seed], "\(operation.method) \(operation.path): the sweep has no seed for {\(name)}; add one to seed()")
            path = path.replacingOccurrences(of: "{\(name)}", with: id.uuidString.lowercased())
        }
        return path
    }

    /// The operation's example body with every id it names replaced by this workspace's seed.
    func body(_ operation: APIOperation, _ ids: [String: UUID]) -> JSONValue? {
        guard case .object(var fields)? = operation.bodyExample else { return operation.bodyExample }
        for (name, id) in ids where fields[name] != nil { fields[name] = .string(id.uuidString.lowercased()) }
        return .object(fields)
    }

    func namesAnID(_ operation: APIOperation, _ ids: [String: UUID]) -> Bool {
        operation.pathParameters.contains { $0.hasSuffix("_id") || $0.hasSuffix("_slug") } || ids.keys.contains { operation.bodyExample?[$0] != nil }
    }

    /// Everything A holds, as its owner lists it.
    func contents(_ client: any TestClientProtocol, _ owner: TestAccount, _ lists: [APIOperation]) async throws -> [String] {
        var parts: [String] = []
        for list in lists {
            let items = try await client.request(.get, list.path, headers: owner.headers()).json["items"]?.arrayValue ?? []
            parts += items.map { item in
                ["id", "name", "data", "version", "is_active", "revoked_at", "description"].map { "\($0)=\(String(describing: item[$0]))" }
                    .joined(separator: ",")
            }
        }
        return parts.sorted()
    }

    @Test func noCredentialOfOneWorkspaceReachesAnother() async throws {
        // Two key requests per operation: the key's rate limit is not what this test is about.
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await provider.shutdown() } }
        let baseURL = provider.baseURL
        try await TestPlatform.run(configure: {
            $0.apiKeyRateLimit = RateLimit(perSecond: 1_000, burst: 10_000)
            $0.visibility = Self.visibility(baseURL)
        }) { client, platform in
            let a = try await platform.account(.alice, via: client)
            let b = try await platform.account(.bob, via: client)
            let aIDs = try await seed(client, a)
            let bIDs = try await seed(client, b)
            let aKey = try await client.createAPIKey(for: a, scopes: ["admin"], name: "A's key")
            let scoped = platform.inventory.operations.filter { $0.access.isWorkspaceScoped && !$0.workspaceFromPath }
            let lists = scoped.filter { $0.method == .get && $0.pathParameters.isEmpty && $0.path != "/api/v1/workspace/health" }
            #expect(scoped.count >= 17)
            #expect(lists.count >= 3)
            let aBefore = try await contents(client, a, lists)

            for operation in scoped {
                let path = try path(operation, bIDs), body = body(operation, bIDs)
                let label = "\(operation.method) \(operation.path)"
                let byHeader = try await client.request(operation.method, path, json: body, headers: a.headers(workspace: b.workspaceID))
                #expect(byHeader.status == .forbidden && byHeader.errorCode == "workspace_forbidden", "A's token, B's header: \(label) → \(byHeader.status)")

                var keyHeaders: HTTPFields = .bearer(aKey.key)
                keyHeaders[HTTPField.Name("X-Workspace-Id")!] = b.workspaceID.uuidString
                let byKey = try await client.request(operation.method, path, json: body, headers: keyHeaders)
                #expect(byKey.status == .forbidden && byKey.errorCode == "workspace_forbidden", "A's key, B's header: \(label) → \(byKey.status)")
                var xAPIKey: HTTPFields = [HTTPField.Name("X-API-Key")!: aKey.key]
                xAPIKey[HTTPField.Name("X-Workspace-Id")!] = b.workspaceID.uuidString
                #expect(try await client.request(operation.method, path, json: body, headers: xAPIKey).status == .forbidden, "X-API-Key: \(label)")

                let unknown = try await client.request(operation.method, path, json: body, headers: a.headers(workspace: UUID()))
                #expect(unknown.status == .forbidden && unknown.errorCode == "workspace_forbidden", "unknown workspace: \(label)")

                #expect(try await client.request(operation.method, path, json: body).status == .unauthorized, "anonymous: \(label)")
                var noHeader: HTTPFields = .bearer(a.accessToken)
                noHeader[HTTPField.Name("X-Workspace-Id")!] = nil
                #expect(try await client.request(operation.method, path, json: body, headers: noHeader).errorCode == "workspace_required", "\(label)")
                #expect(try await client.request(operation.method, path, json: body, headers: a.headers(workspaceHeader: "not-a-uuid")).errorCode == "invalid_workspace_id", "\(label)")
            }

            // B, in its own workspace, names A's ids: they do not exist there. (Accounts are global:
            // a user id names a person, not something of A's. An upload is refused for its body
            // before any id is looked at.)
            let aLocal = aIDs.filter { $0.key != "user_id" && $0.key != "workspace_id" }
            for operation in scoped where operation.isImplemented && namesAnID(operation, aLocal) && !(operation.hasBody && operation.bodyExample == nil) {
                let response = try await client.request(operation.method, try path(operation, aIDs), json: body(operation, aLocal), headers: b.headers())
                #expect(response.status == .notFound, "B's token with A's ids: \(operation.method) \(operation.path) → \(response.status)")
            }
            // A's key without a header is scoped to A, and B's ids are absent there.
            #expect(try await client.request(.get, "/api/v1/records/\(bIDs["record_id"]!)", headers: .bearer(aKey.key)).status == .notFound)

            #expect(try await contents(client, a, lists) == aBefore, "A's data changed")
        }
    }

    /// Routes that name their workspace in the path (`/workspaces/{workspace_id}/…`): A's
    /// credentials with B's workspace in the path reach nothing, and B's roster and name stay.
    @Test func aWorkspaceInThePathIsCheckedLikeTheHeader() async throws {
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await provider.shutdown() } }
        let baseURL = provider.baseURL
        try await TestPlatform.run(configure: { $0.visibility = Self.visibility(baseURL) }) { client, platform in
            let a = try await platform.account(.alice, via: client)
            let b = try await platform.account(.bob, via: client)
            let aIDs = try await seed(client, a)
            let bIDs = try await seed(client, b)
            _ = aIDs
            let aKey = try await client.createAPIKey(for: a, scopes: ["admin"], name: "A's key")
            let scoped = platform.inventory.operations.filter(\.workspaceFromPath)
            #expect(scoped.count >= 10)
            func state() async throws -> [JSONValue] {
                let roster = try await client.request(.get, "/api/v1/workspaces/\(b.workspaceID)/members", headers: .bearer(b.accessToken))
                let workspace = try await client.request(.get, "/api/v1/workspaces/\(b.workspaceID)", headers: .bearer(b.accessToken))
                return [roster.json["items"] ?? .null, workspace.json["name"] ?? .null]
            }
            let before = try await state()
            for operation in scoped {
                let path = try path(operation, bIDs), body = body(operation, bIDs)
                let label = "\(operation.method) \(operation.path)"
                let byToken = try await client.request(operation.method, path, json: body, headers: .bearer(a.accessToken))
                #expect(byToken.status == .forbidden && byToken.errorCode == "workspace_forbidden", "A's token, B in the path: \(label) → \(byToken.status)")
                // A's own header does not help: the path decides.
                let withOwnHeader = try await client.request(operation.method, path, json: body, headers: a.headers())
                #expect(withOwnHeader.errorCode == "workspace_forbidden", "A's header, B in the path: \(label)")
                let byKey = try await client.request(operation.method, path, json: body, headers: .bearer(aKey.key))
                #expect(byKey.errorCode == "workspace_forbidden", "A's key, B in the path: \(label)")
                let unknown = try await client.request(operation.method, path.replacingOccurrences(of: b.workspaceID.uuidString.lowercased(), with: UUID().uuidString.lowercased()), json: body, headers: .bearer(a.accessToken))
                #expect(unknown.errorCode == "workspace_forbidden", "unknown workspace: \(label)")
                #expect(try await client.request(operation.method, path, json: body).status == .unauthorized, "anonymous: \(label)")
            }
            #expect(try await state() == before, "B's workspace changed")
        }
    }
}
