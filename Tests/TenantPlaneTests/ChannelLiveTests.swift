import Foundation
import HTTPTypes
import HummingbirdTesting
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PlatformTesting
import TenantPlane
import Synchronization
import Testing

/// Channels under concurrency and over live streams: cursors that neither skip nor repeat while
/// others post, read marks that only move forward, and SSE delivery, resume and access loss.
@Suite struct ChannelLiveTests {
    @Test func cursorsNeitherSkipNorRepeatWhileOthersPost() async throws {
        try await TestPlatform.run(.live) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "busy"], headers: headers)
            var early: [String] = []
            for n in 0..<30 {
                early.append(try #require(try await client.request(.post, "/api/v1/channels/busy/messages", json: ["body": .string("early \(n)")], headers: headers).json["id"]?.stringValue))
            }
            let first = early[0]
            @Sendable func page(_ query: String) async throws -> (ids: [String], before: Bool, after: Bool) {
                let json = try await client.request(.get, "/api/v1/channels/busy/messages?\(query)", headers: headers).json
                return (json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [], json["has_more_before"] == true, json["has_more_after"] == true)
            }

            let (backward, forward) = try await withThrowingTaskGroup(of: [String]?.self) { group in
                for poster in 0..<3 {
                    group.addTask {
                        for n in 0..<40 {
                            let posted = try await client.request(.post, "/api/v1/channels/busy/messages", json: ["body": .string("p\(poster) \(n)")], headers: headers)
                            #expect(posted.status == .created)
                        }
                        return nil
                    }
                }
                // Backward from the newest while posts land on top.
                let walkBack = Task {
                    var seen = try await page("limit=10")
                    var ids = seen.ids
                    while seen.before, let oldest = ids.first {
                        seen = try await page("before=\(oldest)&limit=10")
                        ids = seen.ids + ids
                    }
                    return ids
                }
                // Forward from the first message, chasing the posters.
                let walkForward = Task {
                    var ids = [first]
                    var idle = 0
                    while idle < 3 {
                        let next = try await page("after=\(ids.last!)&limit=7")
                        ids += next.ids
                        idle = next.ids.isEmpty ? idle + 1 : 0
                        if next.ids.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    return ids
                }
                try await group.waitForAll()
                return (try await walkBack.value, try await walkForward.value)
            }
            let all = try await page("limit=200").ids
            #expect(all.count == 150)
            #expect(Set(backward).count == backward.count, "no message repeated walking back")
            #expect(Array(backward.prefix(30)) == early, "every message older than the first page, once, in order")
            #expect(backward == Array(all.prefix(backward.count)))
            #expect(Set(forward).count == forward.count, "no message repeated walking forward")
            #expect(forward == all, "walking forward while others post skips nothing")
        }
    }

    @Test func readMarksOnlyMoveForwardUnderConcurrency() async throws {
        try await TestPlatform.run(.live) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = alice.headers(), member = carol.headers(workspace: alice.workspaceID)
            _ = try await client.request(.post, "/api/v1/channels", json: ["name": "reads"], headers: owner)
            _ = try await client.request(.post, "/api/v1/channels/reads/members/join", headers: member)
            var ids: [String] = []
            for n in 0..<30 {
                ids.append(try #require(try await client.request(.post, "/api/v1/channels/reads/messages", json: ["body": .string("m\(n)")], headers: owner).json["id"]?.stringValue))
            }
            _ = try await client.request(.post, "/api/v1/channels/reads/messages", json: ["body": "mine"], headers: member)
            var status = try await client.request(.get, "/api/v1/channels/reads/read-status", headers: member)
            #expect(status.json["unread_count"]?.intValue == 30 && status.json["last_read_message_id"] == nil, "one's own messages are never unread")

            let marks = (0..<40).map { _ in Int.random(in: 0..<25) }
            let messages = ids
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in marks {
                    group.addTask {
                        let response = try await client.request(.post, "/api/v1/channels/reads/mark-read?message_id=\(messages[index])", headers: member)
                        #expect(response.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            let highest = try #require(marks.max())
            status = try await client.request(.get, "/api/v1/channels/reads/read-status", headers: member)
            #expect(status.json["last_read_message_id"]?.stringValue == ids[highest], "the mark is the newest of those marked, whatever the order")
            #expect(status.json["unread_count"]?.intValue == 29 - highest)
            let back = try await client.request(.post, "/api/v1/channels/reads/mark-read?message_id=\(ids[0])", headers: member)
            #expect(back.json["last_read_message_id"]?.stringValue == ids[highest], "an older id changes nothing")
            #expect(try await client.request(.post, "/api/v1/channels/reads/mark-read?message_id=\(UUID())", headers: member).errorCode == "message_not_found")
            let latest = try await client.request(.post, "/api/v1/channels/reads/mark-read", headers: member)
            #expect(latest.json["unread_count"]?.intValue == 0 && latest.json["last_read_message_id"]?.stringValue != ids[highest])

            // Star, then mute: a mute overrides the star; muted channels stay out of the total.
            _ = try await client.request(.post, "/api/v1/channels/reads/messages", json: ["body": "news"], headers: owner)
            #expect(try await client.request(.post, "/api/v1/channels/reads/star", headers: member).json["notifications"] == "all")
            let muted = try await client.request(.post, "/api/v1/channels/reads/mute", headers: member)
            #expect(muted.json["is_starred"] == true && muted.json["is_muted"] == true && muted.json["notifications"] == "none")
            var counts = try await client.request(.get, "/api/v1/channels/unread-counts", headers: member)
            #expect(counts.json["items"]?.arrayValue?.first?["unread_count"]?.intValue == 1 && counts.json["total_unread"]?.intValue == 0)
            _ = try await client.request(.post, "/api/v1/channels/reads/mute", headers: member)
            counts = try await client.request(.get, "/api/v1/channels/unread-counts", headers: member)
            #expect(counts.json["total_unread"]?.intValue == 1)
            _ = try await client.request(.post, "/api/v1/channels/reads/members/leave", headers: member)
            #expect(try await client.request(.get, "/api/v1/channels/unread-counts", headers: member).json["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func streamsDeliverResumeAndEndWhenAccessEnds() async throws {
        // A heartbeat far longer than the reads: events must arrive by NOTIFY, not by polling.
        try await TestPlatform.run(.live, configure: { $0.sseHeartbeat = .seconds(60) }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = alice.headers(), member = carol.headers(workspace: alice.workspaceID)
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let channel = try #require(try await client.request(.post, "/api/v1/channels", json: ["name": "live", "type": "private"], headers: owner).json["id"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/channels/live/events", headers: member).status == .notFound, "no stream of a channel one cannot see")
            let carolID = try #require(try await client.request(.get, "/api/v1/members/me", headers: member).json["id"]?.stringValue)
            _ = try await client.request(.post, "/api/v1/channels/live/members", json: ["member_id": .string(carolID)], headers: owner)

            // Everything so far, from the start: an add, two posts, an edit, a delete, a read mark.
            let first = try #require(try await client.request(.post, "/api/v1/channels/live/messages", json: ["body": "one"], headers: owner).json["id"]?.stringValue)
            let second = try #require(try await client.request(.post, "/api/v1/channels/live/messages", json: ["body": "two"], headers: member).json["id"]?.stringValue)
            _ = try await client.request(.patch, "/api/v1/channels/live/messages/\(first)", json: ["body": "one, edited"], headers: owner)
            _ = try await client.request(.delete, "/api/v1/channels/live/messages/\(second)", headers: member)
            _ = try await client.request(.post, "/api/v1/channels/live/mark-read?message_id=\(first)", headers: member)
            let url = base + "/api/v1/channels/\(channel)/events"
            let replay = try await SSEReader.read(url, lastEventID: "0", headers: member, timeout: .seconds(10)) { $0.events.count >= 6 }
            #expect(replay.contentType?.hasPrefix("text/event-stream") == true)
            #expect(replay.events.map { $0.event ?? "" } == ["members.changed", "message.created", "message.created", "message.updated", "message.deleted", "read_state.updated"])
            #expect(replay.events.compactMap { $0.id.flatMap(Int.init) } == Array(1...6))
            let edited = try JSONDecoder().decode(JSONValue.self, from: Data(replay.events[3].data.utf8))
            #expect(edited["message"]?["body"] == "one, edited" && edited["channel_id"]?.stringValue == channel)

            // Resume after the third event: the rest only.
            let resumed = try await SSEReader.read(url, lastEventID: "3", headers: member, timeout: .seconds(10)) { $0.events.count >= 3 }
            #expect(resumed.events.compactMap(\.id) == ["4", "5", "6"])

            // Live: connected first, then posts arrive as they are made.
            let liveOpen = Flag()
            let live = Task {
                try await SSEReader.read(url, lastEventID: "6", headers: member, timeout: .seconds(30)) { read in
                    if read.comments > 0 { liveOpen.set() }
                    return read.events.count >= 2
                }
            }
            try await liveOpen.wait()
            _ = try await client.request(.post, "/api/v1/channels/live/messages", json: ["body": "three"], headers: owner)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.request(.post, "/api/v1/channels/live/messages", json: ["body": "four"], headers: owner)
            let arrived = try await live.value
            #expect(arrived.events.map { $0.event ?? "" } == ["message.created", "message.created"])
            #expect(arrived.events.compactMap(\.id) == ["7", "8"])

            // Events older than the retention are pruned: resuming from before them says reset.
            try await PlatformServer.withClient(platform.config.tenantDatabase, maximumConnections: 1, logger: TestDatabase.logger) { pool in
                let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: alice.workspaceID)
                let pruned = try await ChannelEventPrune().run(on: db, now: Date().addingTimeInterval(8 * 86_400), logger: TestDatabase.logger)
                #expect(pruned == 8)
            }
            let stale = try await SSEReader.read(url, lastEventID: "2", headers: member, timeout: .seconds(10)) { $0.events.count >= 1 }
            #expect(stale.events.first?.event == "reset" && stale.events.first?.id == "8")

            // Removing the reader's access ends their stream.
            let doomedOpen = Flag()
            let doomed = Task {
                try await SSEReader.read(url, lastEventID: "8", headers: member, timeout: .seconds(30)) { read in
                    if read.comments > 0 { doomedOpen.set() }
                    return false
                }
            }
            try await doomedOpen.wait()
            #expect(try await client.request(.delete, "/api/v1/channels/live/access/members/\(carolID)", headers: owner).status == .noContent)
            let ended = try await doomed.value
            #expect(ended.events.map { $0.event ?? "" } == ["members.changed"], "the stream ends after telling of the change")
        }
    }
}

/// Set once by a synchronous callback (an SSE reader's), awaited by the test.
final class Flag: Sendable {
    private let isSet = Mutex(false)

    func set() { isSet.withLock { $0 = true } }

    func wait(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isSet.withLock({ $0 }) {
            guard ContinuousClock.now < deadline else { throw TestFailure("the stream did not open within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
