import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// Channels: who sees and manages which (§4's channel ACL), the timeline and its squashes, and
/// the work around it (tasks, linked records, activity, files).
@Suite struct ChannelTests {
    @Test func publicAndPrivateChannelsFollowTheACL() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = alice.headers(), member = carol.headers(workspace: alice.workspaceID)

            let open = try await client.request(.post, "/api/v1/channels", json: ["name": "Launch 2027!", "priority": "high"], headers: owner)
            #expect(open.status == .created && open.json["slug"] == "launch-2027" && open.json["type"] == "public" && open.json["member_count"]?.intValue == 1)
            let again = try await client.request(.post, "/api/v1/channels", json: ["name": "Launch 2027"], headers: owner)
            #expect(again.json["slug"] == "launch-2027-2", "a taken slug gets the next free suffix")
            #expect(try await client.request(.post, "/api/v1/channels", json: ["name": "x", "slug": "launch-2027"], headers: owner).errorCode == "slug_taken")
            #expect(try await client.request(.post, "/api/v1/channels", json: ["name": "x", "slug": "unread-counts"], headers: owner).status == .unprocessableContent)
            let secret = try await client.request(.post, "/api/v1/channels", json: ["name": "Board", "type": "private"], headers: owner)
            let secretID = try #require(secret.json["id"]?.stringValue)

            // A member sees public channels only, and a private one is as absent as a made-up one.
            let seen = try await client.request(.get, "/api/v1/channels", headers: member)
            #expect(seen.json["items"]?.arrayValue?.compactMap { $0["slug"]?.stringValue }.sorted() == ["launch-2027", "launch-2027-2"])
            #expect(try await client.request(.get, "/api/v1/channels/board", headers: member).errorCode == "channel_not_found")
            #expect(try await client.request(.post, "/api/v1/channels/board/members/join", headers: member).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/channels?type=private", headers: owner).json["total"]?.intValue == 1)
            #expect(try await client.request(.get, "/api/v1/channels?search=launch&priority=high", headers: owner).json["total"]?.intValue == 1)

            // Posting needs a participant; a public channel lets anyone join.
            let post: JSONValue = ["body": "hello"]
            #expect(try await client.request(.post, "/api/v1/channels/launch-2027/messages", json: post, headers: member).errorCode == "not_a_participant")
            var permissions = try await client.request(.get, "/api/v1/channels/launch-2027/permissions", headers: member)
            #expect(permissions.json["source"] == "public" && permissions.json["can_join"] == true && permissions.json["can_post"] == false)
            let joined = try await client.request(.post, "/api/v1/channels/launch-2027/members/join", headers: member)
            #expect(joined.json["joined"] == true && joined.json["role"] == "member")
            #expect(try await client.request(.post, "/api/v1/channels/launch-2027/messages", json: post, headers: member).status == .created)
            #expect(try await client.request(.patch, "/api/v1/channels/launch-2027", json: ["priority": "low"], headers: member).errorCode == "channel_admin_required")

            // A grant opens the private channel; joining it then works; revoking closes it again.
            let grant = try await client.request(.post, "/api/v1/channels/board/access", json: ["member_id": .string(try memberID(client, carol, alice))], headers: owner)
            #expect(grant.status == .created && grant.json["grantee"]?.stringValue?.isEmpty == false)
            #expect(try await client.request(.get, "/api/v1/channels/\(secretID)", headers: member).json["slug"] == "board")
            permissions = try await client.request(.get, "/api/v1/channels/board/permissions", headers: member)
            #expect(permissions.json["source"] == "grant" && permissions.json["can_join"] == true)
            #expect(try await client.request(.get, "/api/v1/channels/board/access", headers: member).errorCode == "channel_admin_required")
            #expect(try await client.request(.get, "/api/v1/channels/board/access", headers: owner).json["items"]?.arrayValue?.count == 1)
            #expect(try await client.request(.post, "/api/v1/channels/board/members/join", headers: member).json["joined"] == true)
            let members = try await client.request(.get, "/api/v1/channels/board/members", headers: member)
            #expect(members.json["items"]?.arrayValue?.count == 2)
            let carolID = try await memberID(client, carol, alice)
            #expect(try await client.request(.delete, "/api/v1/channels/board/access/members/\(carolID)", headers: owner).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/channels/board", headers: member).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/channels/board/access/members/\(carolID)", headers: owner).errorCode == "grant_not_found")

            // A team's grant reaches its members while the team is active.
            let team = try #require(try await client.request(.post, "/api/v1/teams", json: ["name": "Board team"], headers: owner).json["id"]?.stringValue)
            _ = try await client.request(.post, "/api/v1/teams/\(team)/members", json: ["member_id": .string(carolID)], headers: owner)
            #expect(try await client.request(.post, "/api/v1/channels/board/access", json: ["team_id": .string(team)], headers: owner).status == .created)
            #expect(try await client.request(.get, "/api/v1/channels/board", headers: member).status == .ok)
            _ = try await client.request(.patch, "/api/v1/teams/\(team)", json: ["is_active": false], headers: owner)
            #expect(try await client.request(.get, "/api/v1/channels/board", headers: member).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/channels/board/access/teams/\(team)", headers: owner).status == .noContent)

            // Adding someone as a channel admin lets them manage that channel only.
            let added = try await client.request(.post, "/api/v1/channels/board/members", json: ["member_id": .string(carolID), "role": "admin"], headers: owner)
            #expect(added.json["role"] == "admin")
            #expect(try await client.request(.patch, "/api/v1/channels/board", json: ["description": "Quarterly"], headers: member).json["description"] == "Quarterly")
            #expect(try await client.request(.patch, "/api/v1/channels/launch-2027-2", json: ["description": "x"], headers: member).errorCode == "channel_admin_required")
            let left = try await client.request(.post, "/api/v1/channels/board/members/leave", headers: member)
            #expect(left.json["joined"] == false)
            #expect(try await client.request(.get, "/api/v1/channels/board", headers: member).status == .notFound, "leaving a private channel without a grant hides it")

            // Completing archives: readable, no more posts, until reopened.
            let completed = try await client.request(.post, "/api/v1/channels/launch-2027/complete", json: ["note": "Shipped"], headers: owner)
            #expect(completed.json["status"] == "completed" && completed.json["completion_note"] == "Shipped" && completed.json["completed_at"] != nil)
            #expect(try await client.request(.post, "/api/v1/channels/launch-2027/messages", json: post, headers: member).errorCode == "channel_completed")
            #expect(try await client.request(.post, "/api/v1/channels/launch-2027/complete", json: [:], headers: owner).errorCode == "channel_completed")
            let reopened = try await client.request(.put, "/api/v1/channels/launch-2027", json: ["status": "active"], headers: owner)
            #expect(reopened.json["status"] == "active" && reopened.json["completed_at"] == nil)
            #expect(try await client.request(.get, "/api/v1/channels?status=active", headers: owner).json["total"]?.intValue == 3)

            #expect(try await client.request(.delete, "/api/v1/channels/launch-2027-2", headers: member).errorCode == "channel_admin_required")
            #expect(try await client.request(.delete, "/api/v1/channels/launch-2027-2", headers: owner).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/channels/launch-2027-2", headers: owner).status == .notFound)
        }
    }

    @Test func viewersReadAndKeysActByScope() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)
            let viewer = bob.headers(workspace: alice.workspaceID)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "general"], headers: alice.headers())
            #expect(try await client.request(.get, "/api/v1/channels/general/messages", headers: viewer).status == .ok)
            #expect(try await client.request(.post, "/api/v1/channels/general/members/join", headers: viewer).status == .ok, "a viewer may follow a channel")
            #expect(try await client.request(.post, "/api/v1/channels/general/messages", json: ["body": "hi"], headers: viewer).errorCode == "insufficient_permissions")
            #expect(try await client.request(.post, "/api/v1/channels", json: ["name": "mine"], headers: viewer).errorCode == "insufficient_permissions")

            let reader = try await client.createAPIKey(for: alice, scopes: ["channels:read"])
            let writer = try await client.createAPIKey(for: alice, scopes: ["channels:write"])
            #expect(try await client.request(.get, "/api/v1/channels/general", headers: .bearer(reader.key)).status == .ok)
            #expect(try await client.request(.post, "/api/v1/channels/general/messages", json: ["body": "x"], headers: .bearer(reader.key)).errorCode == "insufficient_permissions")
            let byKey = try await client.request(.post, "/api/v1/channels/general/messages", json: ["body": "from a key"], headers: .bearer(writer.key))
            #expect(byKey.status == .created, "a key posts without joining, as its creator")
            #expect(try await client.request(.post, "/api/v1/channels/general/mark-read", headers: .bearer(reader.key)).errorCode == "user_required")
            #expect(try await client.request(.get, "/api/v1/channels/unread-counts", headers: .bearer(reader.key)).errorCode == "user_required")
            #expect(try await client.request(.delete, "/api/v1/channels/general", headers: .bearer(writer.key)).errorCode == "channel_admin_required")
        }
    }

    @Test func theTimelinePagesEditsDeletesSquashesAndRestores() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = alice.headers(), member = carol.headers(workspace: alice.workspaceID)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "talk"], headers: owner)
            _ = try await client.request(.post, "/api/v1/channels/talk/members/join", headers: member)
            var ids: [String] = []
            for n in 0..<10 {
                let posted = try await client.request(.post, "/api/v1/channels/talk/messages", json: ["body": .string("m\(n)")], headers: n % 2 == 0 ? owner : member)
                #expect(posted.status == .created && posted.json["author_name"]?.stringValue?.isEmpty == false)
                ids.append(try #require(posted.json["id"]?.stringValue))
            }
            func page(_ query: String) async throws -> (ids: [String], before: Bool?, after: Bool?) {
                let json = try await client.request(.get, "/api/v1/channels/talk/messages\(query)", headers: member).json
                return (json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [], json["has_more_before"]?.boolValue, json["has_more_after"]?.boolValue)
            }
            let newest = try await page("?limit=3")
            #expect(newest.ids == Array(ids[7...9]) && newest.before == true && newest.after == false)
            #expect(try await page("?before=\(ids[7])&limit=3").ids == Array(ids[4...6]))
            #expect(try await page("?after=\(ids[7])").ids == Array(ids[8...9]))
            let around = try await page("?around=\(ids[5])&limit=4")
            #expect(around.ids == Array(ids[3...6]) && around.before == true && around.after == true)
            #expect(try await page("?before=\(ids[0])").ids.isEmpty)
            #expect(try await client.request(.get, "/api/v1/channels/talk/messages?around=\(UUID())", headers: member).errorCode == "message_not_found")
            #expect(try await client.request(.get, "/api/v1/channels/talk/messages?before=\(ids[1])&after=\(ids[2])", headers: member).status == .badRequest)

            // Only the author edits; the author or an admin deletes.
            let edited = try await client.request(.patch, "/api/v1/channels/talk/messages/\(ids[1])", json: ["body": "m1, edited"], headers: member)
            #expect(edited.json["body"] == "m1, edited" && edited.json["edited_at"] != nil)
            #expect(try await client.request(.put, "/api/v1/channels/talk/messages/\(ids[0])", json: ["body": "x"], headers: member).errorCode == "not_message_author")
            #expect(try await client.request(.delete, "/api/v1/channels/talk/messages/\(ids[0])", headers: member).errorCode == "not_message_author")
            #expect(try await client.request(.delete, "/api/v1/channels/talk/messages/\(ids[1])", headers: owner).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/channels/talk/messages/\(ids[1])", headers: owner).errorCode == "message_not_found")
            #expect(try await page("?limit=200").ids == ids.filter { $0 != ids[1] })
            #expect(try await client.request(.get, "/api/v1/channels/talk", headers: owner).json["message_count"]?.intValue == 9)

            // Squash the messages above m6 into a summary that takes their place; restore them.
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[6])/squash?direction=above&summary=Early%20talk", headers: member)
                .errorCode == "channel_admin_required")
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[6])/squash?direction=sideways&summary=x", headers: owner).status == .badRequest)
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[6])/squash?direction=above", headers: owner).status == .unprocessableContent)
            let squash = try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[6])/squash?direction=above&summary=Early%20talk", headers: owner)
            #expect(squash.json["squashed"]?.intValue == 5 && squash.json["summary"]?["kind"] == "summary")
            let summary = try #require(squash.json["summary"]?["id"]?.stringValue)
            #expect(try await page("?limit=200").ids == [summary] + Array(ids[6...9]), "the summary stands where the squashed messages were")
            #expect(try await client.request(.get, "/api/v1/channels/talk", headers: owner).json["message_count"]?.intValue == 5)
            let squashed = try await client.request(.get, "/api/v1/channels/talk/messages/\(summary)/squashed", headers: member)
            #expect(squashed.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0], ids[2], ids[3], ids[4], ids[5]])
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[0])/squash?direction=below&summary=x", headers: owner)
                .errorCode == "message_not_found", "a squashed message is no reference")
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[9])/squash?direction=below&summary=x", headers: owner)
                .errorCode == "nothing_to_squash")
            let restored = try await client.request(.post, "/api/v1/channels/talk/messages/\(summary)/restore", headers: owner)
            #expect(restored.json["restored"]?.intValue == 5)
            #expect(try await page("?limit=200").ids == ids.filter { $0 != ids[1] })
            #expect(try await client.request(.get, "/api/v1/channels/talk", headers: owner).json["message_count"]?.intValue == 9)
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(summary)/restore", headers: owner).errorCode == "summary_not_found")

            let activity = try await client.request(.get, "/api/v1/channels/talk/activities?limit=10", headers: member)
            let actions = activity.json["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions.prefix(3) == ["messages.restored", "messages.squashed", "member.joined"])
            #expect(actions.last == "channel.created")
        }
    }

    @Test func tasksRecordsAndFilesLiveInTheChannel() async throws {
        try await TestPlatform.run(.live) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = alice.headers(), member = carol.headers(workspace: alice.workspaceID)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "work"], headers: owner)
            _ = try await client.request(.post, "/api/v1/channels/work/members/join", headers: member)

            let task = try await client.request(.post, "/api/v1/channels/work/tasks", json: ["title": "Draft notes", "priority": "high"], headers: owner)
            #expect(task.status == .created && task.json["status"] == "todo")
            let taskID = try #require(task.json["id"]?.stringValue)
            let done = try await client.request(.patch, "/api/v1/channels/work/tasks/\(taskID)", json: ["status": "completed"], headers: member)
            #expect(done.json["status"] == "completed" && done.json["completed_at"] != nil)
            #expect(try await client.request(.put, "/api/v1/channels/work/tasks/\(taskID)", json: ["status": "todo"], headers: member).json["completed_at"] == nil)
            #expect(try await client.request(.patch, "/api/v1/channels/work/tasks/\(UUID())", json: ["title": "x"], headers: member).errorCode == "task_not_found")
            #expect(try await client.request(.get, "/api/v1/channels/work/tasks", headers: member).json["items"]?.arrayValue?.count == 1)
            #expect(try await client.request(.delete, "/api/v1/channels/work/tasks/\(taskID)", headers: member).errorCode == "task_delete_denied")
            #expect(try await client.request(.delete, "/api/v1/channels/work/tasks/\(taskID)", headers: owner).status == .noContent)

            // Linked records show only to those who may see them.
            let open = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "open"], headers: member).json["id"]?.stringValue)
            let closed = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "closed"], headers: owner).json["id"]?.stringValue)
            let visible = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(open), "data": ["a": 1]], headers: member).json["id"]?.stringValue)
            let hidden = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(closed), "data": ["b": 2]], headers: owner).json["id"]?.stringValue)
            let refused = try await client.request(.post, "/api/v1/channels/work/records", json: ["record_ids": [.string(visible), .string(hidden)]], headers: member)
            #expect(refused.status == .notFound, "all or none: carol cannot see the second")
            #expect(try await client.request(.get, "/api/v1/channels/work/records", headers: owner).json["total"]?.intValue == 0)
            let linked = try await client.request(.post, "/api/v1/channels/work/records", json: ["record_ids": [.string(visible), .string(hidden)]], headers: owner)
            #expect(linked.json["total"]?.intValue == 2)
            let carolSees = try await client.request(.get, "/api/v1/channels/work/records", headers: member)
            #expect(carolSees.json["items"]?.arrayValue?.compactMap { $0["record"]?["id"]?.stringValue } == [visible])
            #expect(try await client.request(.delete, "/api/v1/channels/work/records/\(hidden)", headers: owner).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/channels/work/records/\(hidden)", headers: owner).errorCode == "link_not_found")

            // Files: typed by their bytes, fetched through signed URLs, deleted by their uploader.
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)
            let uploaded = try await client.upload("/api/v1/channels/work/files?description=Logo", file: png, filename: "../Logo final.png", contentType: "text/plain", headers: member)
            #expect(uploaded.status == .created && uploaded.json["content_type"] == "image/png" && uploaded.json["name"] == "Logo final.png")
            #expect(uploaded.json["size_bytes"]?.intValue == png.count && uploaded.json["description"] == "Logo")
            let fileID = try #require(uploaded.json["id"]?.stringValue)
            let notes = try await client.upload("/api/v1/channels/work/files", file: Array("a,b\n1,2\n".utf8), filename: "data.csv", headers: owner)
            #expect(notes.json["content_type"] == "text/csv")
            #expect(try await client.upload("/api/v1/channels/work/files", file: [0x00, 0x01, 0xFE, 0xFF, 0x00], filename: "blob.bin", headers: owner).errorCode == "unsupported_file_type")
            #expect(try await client.request(.get, "/api/v1/channels/work/files", headers: member).json["items"]?.arrayValue?.count == 2)

            let signed = try await client.request(.get, "/api/v1/channels/work/files/\(fileID)/url?download=true", headers: member)
            let url = try #require(signed.json["url"]?.stringValue)
            let path = String(url.dropFirst(platform.config.publicURL.count))
            let fetched = try await client.download(path)
            #expect(fetched.status == .ok && fetched.body == png && fetched.headers[.contentType] == "image/png")
            #expect(fetched.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            let redirect = try await client.download("/api/v1/channels/work/files/\(fileID)", headers: member)
            #expect(redirect.status == .found && redirect.headers[.location]?.contains("/api/v1/files/channels/") == true)
            #expect(try await client.download(path.replacingOccurrences(of: "sig=", with: "sig=x")).status == .forbidden)

            #expect(try await client.request(.delete, "/api/v1/channels/work/files/\(fileID)", headers: carol.headers(workspace: alice.workspaceID)).status == .noContent)
            #expect(try await client.download(path).status == .notFound, "the bytes are gone with the row")
            let notesID = try #require(notes.json["id"]?.stringValue)
            #expect(try await client.request(.delete, "/api/v1/channels/work/files/\(notesID)", headers: member).errorCode == "file_delete_denied")
            #expect(try await client.request(.delete, "/api/v1/channels/work/files/\(fileID)", headers: owner).errorCode == "file_not_found")

            let actions = try await client.request(.get, "/api/v1/channels/work/activities", headers: owner).json["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            for action in ["task.created", "task.completed", "task.deleted", "records.linked", "record.unlinked", "file.uploaded", "file.deleted"] {
                #expect(actions.contains(action), "\(action) is in the activity log")
            }
        }
    }

    @Test func summariesGoThroughTheMeteredLanguageModel() async throws {
        let server = try await StubHTTPServer.start { _, request in
            guard let sent = CRMAITests.sent(request), sent.system.contains("team's chat channel") else { return .json(#"{"error":{"message":"?"}}"#, status: 400) }
            // The transcript names the authors and the messages, oldest first.
            let lines = sent.user.split(separator: "\n").filter { $0.hasPrefix("[") }
            return .json(CRMAITests.completion("\(lines.count) messages; first: \(lines.first.map { $0.split(separator: ": ").last ?? "" } ?? "")", promptTokens: 300, completionTokens: 40))
        }
        defer { Task { try await server.shutdown() } }
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "plain"], headers: owner.headers())
            let only = try #require(try await client.request(.post, "/api/v1/channels/plain/messages", json: ["body": "x"], headers: owner.headers()).json["id"]?.stringValue)
            let none = try await client.request(.post, "/api/v1/channels/plain/messages/\(only)/summarize?direction=above", headers: owner.headers())
            #expect(none.status == .serviceUnavailable && none.errorCode == "provider_not_configured")
            #expect(try await client.request(.post, "/api/v1/channels/plain/messages/\(UUID())/summarize?direction=above", headers: owner.headers())
                .errorCode == "message_not_found", "the message is looked for first")
        }
        try await TestPlatform.run(configure: CRMAITests.configure(server.baseURL + "/v1")) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "talk"], headers: owner.headers())
            var ids: [String] = []
            for n in 0..<6 {
                ids.append(try #require(try await client.request(.post, "/api/v1/channels/talk/messages", json: ["body": .string("m\(n)")], headers: owner.headers()).json["id"]?.stringValue))
            }
            let summary = try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[5])/summarize?direction=above&limit=3", headers: owner.headers())
            #expect(summary.json["summary"] == "3 messages; first: m2", "the three nearest, oldest first")
            #expect(summary.json["message_count"]?.intValue == 3 && summary.json["from_message_id"]?.stringValue == ids[2] && summary.json["to_message_id"]?.stringValue == ids[4])
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[5])/summarize?direction=below", headers: owner.headers())
                .errorCode == "nothing_to_summarize")
            #expect(try await client.request(.post, "/api/v1/channels/talk/messages/\(ids[5])/summarize", headers: owner.headers()).status == .unprocessableContent)
            let calls = try await platform.aiCalls(in: owner.workspaceID)
            #expect(calls.count == 1 && calls[0]["purpose"] == "channel_summary" && calls[0]["input_tokens"] == "300" && calls[0]["output_tokens"] == "40")
        }
    }

    /// The caller's member id in `workspace`'s owner's workspace.
    func memberID(_ client: any TestClientProtocol, _ account: TestAccount, _ owner: TestAccount) async throws -> String {
        try #require(try await client.request(.get, "/api/v1/members/me", headers: account.headers(workspace: owner.workspaceID)).json["id"]?.stringValue)
    }
}
