@_spi(TenantProvisioning) import PlatformCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import PlatformServer
import PostgresNIO

/// One channel with a million messages: each page kind (`before`, `after`, `around`) at the start,
/// the middle and the end of the timeline, over HTTP one request at a time, beside the same SQL
/// in pgbench. Then posting while many SSE readers follow the channel: posts per second and the
/// delay from each post to its event at every reader, beside pgbench running the same statement
/// with as many raw LISTEN connections.
struct BenchChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "Cursor pages over a 1,000,000-message channel and posting with 200 SSE listeners, beside raw PostgreSQL.")

    @Option(help: "Messages in the channel.") var messages = 1_000_000
    @Option(help: "SSE readers (and raw LISTEN connections) while posting.") var listeners = 200
    @Option(help: "Concurrent posters, and persistent connections on both sides.") var connections = 8
    @Option(help: "Requests timed per page kind and position.") var samples = 200
    @Option(help: "Seconds of posting on each side.") var duration = 10
    @Flag(help: "Keep the scratch database afterwards, to look into.") var keepDatabase = false

    struct Page: Sendable {
        let label: String
        let platform: [Double]
        let raw: (p50: Double, p99: Double)
    }

    struct Posting: Sendable {
        let posts: Int
        let seconds: Double
        let delays: [Double]
        let expected: Int
    }

    func validate() throws {
        guard messages >= 1_000, min(listeners, connections, samples, duration) >= 1 else {
            throw ValidationError("--messages must be at least 1,000; the others positive.")
        }
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        guard Bench.which("pgbench") != nil else { throw ValidationError("pgbench is not installed (apt-get install postgresql-client)") }
        let (messages, listeners, connections, samples, duration) = (messages, listeners, connections, samples, duration)
        try await Bench.withScratchDatabase(base.database, keep: keepDatabase, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.maximumConnections = connections
            config.accessTokenLifetime = .seconds(24 * 3600)
            let tenantDatabase = config.tenantDatabase
            let (pages, posting, rawPosting) = try await Bench.withPlatform(config, logger: quiet) { port in
                let (token, workspace) = try await BenchReadCommand.signUp(port: port)
                let api = BenchAPI(port: port, token: token)
                let channel = try await Self.fill(api, workspace: workspace, messages: messages, url: url, tenantDatabase: tenantDatabase, logger: quiet)
                let pages = try await Self.pages(api, channel: channel, samples: samples, url: url)
                let posting = try await Self.post(port: port, token: token, channel: channel, listeners: listeners, posters: connections, seconds: duration)
                let raw = try await Self.rawPost(channel, listeners: listeners, connections: connections, seconds: duration, url: url, logger: quiet)
                return (pages, posting, raw)
            }
            Self.report(messages: messages, listeners: listeners, connections: connections, pages: pages, posting: posting, raw: rawPosting)
        }
    }

    struct Channel: Sendable {
        let workspace: UUID
        let id: UUID
        let author: UUID
        /// Ids at the start, the middle and the end of the timeline.
        let anchors: [(String, UUID)]
        var schema: SchemaName { SchemaName.tenant(workspace) }
    }

    /// A channel over the API, then its messages in one statement per 100,000, a millisecond apart.
    static func fill(_ api: BenchAPI, workspace: UUID, messages: Int, url: DatabaseURL, tenantDatabase: DatabaseURL, logger: Logger) async throws -> Channel {
        struct Identified: Decodable { let id: UUID }
        let channel = try JSONDecoder().decode(Identified.self, from: try await api.send("POST", "/api/v1/channels", workspace: workspace, body: #"{"name":"bench"}"#)).id
        let author = try JSONDecoder().decode(Identified.self, from: try await api.send("GET", "/api/v1/members/me", workspace: workspace)).id
        let started = ContinuousClock.now
        let anchors = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: logger) { pool in
            let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: workspace)
            let origin = Date(timeIntervalSince1970: 1_767_225_600)
            for first in stride(from: 0, to: messages, by: 100_000) {
                let last = min(first + 100_000, messages) - 1
                try await db.execute("""
                    INSERT INTO \(db.table("channel_messages")) (channel_id, author_id, body, created_at)
                    SELECT \(channel), \(author), 'Message ' || n, \(origin) + n * interval '1 millisecond' FROM generate_series(\(first), \(last)) n
                    """, logger: logger)
                Bench.progress("messages: \(last + 1) of \(messages) (\(String(format: "%.0f", (ContinuousClock.now - started).inSeconds)) s)")
            }
            try await db.execute("""
                UPDATE \(db.table("channels")) SET message_count = \(messages),
                    last_message_at = (SELECT max(created_at) FROM \(db.table("channel_messages")) WHERE channel_id = \(channel))
                WHERE id = \(channel)
                """, logger: logger)
            var anchors: [(String, UUID)] = []
            for (label, offset) in [("start", 25), ("middle", messages / 2), ("end", messages - 26)] {
                let id = try await db.value(UUID.self, """
                    SELECT id FROM \(db.table("channel_messages")) WHERE channel_id = \(channel) ORDER BY created_at, id OFFSET \(offset) LIMIT 1
                    """, logger: logger)
                anchors.append((label, id!))
            }
            return anchors
        }
        let schema = SchemaName.tenant(workspace)
        try await Bench.execute("VACUUM (ANALYZE) \(schema.table("channel_messages")), \(schema.table("channels"))", on: url, logger: logger)
        // Seeding dirtied a million rows' pages; writing them out now keeps a checkpoint out of the timed pages.
        try await Bench.execute("CHECKPOINT", on: url, logger: logger)
        return Channel(workspace: workspace, id: channel, author: author, anchors: anchors)
    }

    /// Each page kind at each position: `samples` GETs one after another (after 20 to warm up),
    /// and pgbench running the platform's statements for it on one connection.
    static func pages(_ api: BenchAPI, channel: Channel, samples: Int, url: DatabaseURL) async throws -> [Page] {
        var pages: [Page] = []
        let path = "/api/v1/channels/\(channel.id.lowercased)/messages?limit=50"
        for (kind, script) in [("before", rawBefore), ("after", rawAfter), ("around", rawAround)] {
            for (position, anchor) in channel.anchors {
                let query = "\(path)&\(kind)=\(anchor.lowercased)"
                for _ in 0..<20 { _ = try await api.send("GET", query, workspace: channel.workspace) }
                let timed = try await Bench.timeEach(Array(0..<samples), concurrency: 1) { _ in _ = try await api.send("GET", query, workspace: channel.workspace) }
                let file = FileManager.default.temporaryDirectory.appending(path: "bench-channel-\(UUID().uuidString).sql")
                try script(channel.schema).write(to: file, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(at: file) }
                let raw = try await NIOThreadPool.singleton.runIfActive {
                    try Bench.runPgbench(
                        url: url, scripts: [(file, 1)], connections: 1, threads: 1, limit: .transactions(samples + 20),
                        defines: ["channel": channel.id.lowercased, "anchor": anchor.lowercased])
                }
                let page = Page(label: "\(kind) at the \(position)", platform: timed.latencies, raw: (raw.p50, raw.p99))
                Bench.progress("\(page.label): p50 \(Bench.ms(Bench.percentile(page.platform, 50))), p99 \(Bench.ms(Bench.percentile(page.platform, 99)))")
                pages.append(page)
            }
        }
        return pages
    }

    /// What the platform's page statements are (`ChannelMessage.select`, `Queryable.window`).
    static func select(_ schema: SchemaName) -> String {
        """
        SELECT m.id, m.channel_id, m.author_id, (SELECT coalesce(nullif(a.full_name, ''), a.email) FROM \(schema.table("members")) a WHERE a.id = m.author_id) AS author_name, \
        m.kind, m.body, m.metadata, m.squashed_count, m.squash_summary_id, m.created_at, m.edited_at, m.deleted_at \
        FROM \(schema.table("channel_messages")) m WHERE m.channel_id = :channel AND m.deleted_at IS NULL
        """
    }

    static func anchor(_ schema: SchemaName) -> String {
        "(SELECT created_at, id FROM \(schema.table("channel_messages")) WHERE id = :anchor AND channel_id = :channel)"
    }

    static func rawBefore(_ schema: SchemaName) -> String {
        "\(select(schema)) AND (m.created_at, m.id) < \(anchor(schema)) ORDER BY m.created_at DESC, m.id DESC LIMIT 51;\n"
    }

    static func rawAfter(_ schema: SchemaName) -> String {
        "\(select(schema)) AND (m.created_at, m.id) > \(anchor(schema)) ORDER BY m.created_at, m.id LIMIT 51;\n"
    }

    static func rawAround(_ schema: SchemaName) -> String {
        "\(select(schema)) AND (m.created_at, m.id) < \(anchor(schema)) ORDER BY m.created_at DESC, m.id DESC LIMIT 26;\n"
            + "\(select(schema)) AND (m.created_at, m.id) >= \(anchor(schema)) ORDER BY m.created_at, m.id LIMIT 26;\n"
    }

    /// `listeners` SSE readers on the channel, then `posters` posting for `seconds`; each post
    /// carries its send time, each reader notes when its event arrives.
    static func post(port: Int, token: String, channel: Channel, listeners: Int, posters: Int, seconds: Int) async throws -> Posting {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = listeners + posters + 8
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { Task { try? await client.shutdown() } }
        let connected = Counter()
        let stop = Counter()
        let events = "http://127.0.0.1:\(port)/api/v1/channels/\(channel.id.lowercased)/events"
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<listeners {
                group.addTask {
                    var request = HTTPClientRequest(url: events)
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    request.headers.add(name: "X-Workspace-Id", value: channel.workspace.lowercased)
                    let response = try await client.execute(request, timeout: .seconds(Int64(seconds + 120)))
                    await connected.add(1)
                    var delays: [Double] = []
                    var scanner = SentTimes()
                    for try await chunk in response.body {
                        let now = DispatchTime.now().uptimeNanoseconds
                        for sent in scanner.scan(chunk) { delays.append(Double(now - min(now, sent)) / 1e9) }
                        if await stop.value > 0 { break }
                    }
                    return delays
                }
            }
            while await connected.value < listeners { try await Task.sleep(for: .milliseconds(50)) }
            Bench.progress("\(listeners) readers connected; posting for \(seconds) s")
            let started = ContinuousClock.now
            let deadline = started + .seconds(seconds)
            let posted = Counter()
            try await withThrowingTaskGroup(of: Void.self) { posting in
                for _ in 0..<posters {
                    posting.addTask {
                        while ContinuousClock.now < deadline {
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/channels/\(channel.id.lowercased)/messages")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(token)")
                            request.headers.add(name: "X-Workspace-Id", value: channel.workspace.lowercased)
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: #"{"body":"bench","metadata":{"sent":\#(DispatchTime.now().uptimeNanoseconds)}}"#))
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            guard response.status == .created else { throw BenchError("a post answered \(response.status.code)") }
                            await posted.add(1)
                        }
                    }
                }
                try await posting.waitForAll()
            }
            let elapsed = (ContinuousClock.now - started).inSeconds
            // Let the last events arrive, then hang up.
            try await Task.sleep(for: .seconds(3))
            await stop.add(1)
            let poke = try await BenchAPI(port: port, token: token).send(
                "POST", "/api/v1/channels/\(channel.id.lowercased)/messages", workspace: channel.workspace, body: #"{"body":"done"}"#)
            _ = poke
            var delays: [Double] = []
            for try await reader in group { delays += reader }
            let posts = await posted.value
            return Posting(posts: posts, seconds: elapsed, delays: delays, expected: posts * listeners)
        }
    }

    /// The send times in a stream's bytes, found without decoding it (a reader that parsed every
    /// event of 200 streams would take the CPU the server is measured on).
    struct SentTimes {
        static let marker = Array(#""sent":"#.utf8)
        private var carry: [UInt8] = []

        mutating func scan(_ chunk: ByteBuffer) -> [UInt64] {
            let bytes = carry + chunk.readableBytesView
            var found: [UInt64] = []
            var index = 0
            var consumed = 0
            while index + Self.marker.count <= bytes.count {
                guard bytes[index] == Self.marker[0], bytes[index..<(index + Self.marker.count)].elementsEqual(Self.marker) else {
                    index += 1
                    continue
                }
                var end = index + Self.marker.count
                var value: UInt64 = 0
                while end < bytes.count, (0x30...0x39).contains(bytes[end]) {
                    value = value * 10 + UInt64(bytes[end] - 0x30)
                    end += 1
                }
                guard end < bytes.count else { break }
                found.append(value)
                index = end
                consumed = end
            }
            carry = Array(bytes[max(consumed, bytes.count - Self.marker.count - 24)...])
            return found
        }
    }

    /// pgbench posting with the platform's statement (its NOTIFY carrying the send time) while
    /// `listeners` raw connections LISTEN.
    static func rawPost(_ channel: Channel, listeners: Int, connections: Int, seconds: Int, url: DatabaseURL, logger: Logger) async throws -> Posting {
        let schema = channel.schema
        let script = """
            WITH bump AS (UPDATE \(schema.table("channels")) SET event_seq = event_seq + 1, message_count = message_count + 1, \
            last_message_at = greatest(clock_timestamp(), last_message_at + interval '1 microsecond') WHERE id = :channel AND status = 'active' \
            RETURNING event_seq, last_message_at), \
            m AS (INSERT INTO \(schema.table("channel_messages")) (channel_id, author_id, body, metadata, created_at) \
            SELECT :channel, :author, 'raw', '{}', bump.last_message_at FROM bump RETURNING *), \
            event AS (INSERT INTO \(schema.table("channel_events")) (channel_id, seq, kind, message_id, member_id) \
            SELECT :channel, bump.event_seq, 'message.created', m.id, :author FROM bump, m) \
            SELECT m.id, pg_notify('bench_raw', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text) FROM m;

            """
        let file = FileManager.default.temporaryDirectory.appending(path: "bench-post-\(UUID().uuidString).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let ready = Counter()
        return try await withThrowingTaskGroup(of: [Double]?.self) { group in
            for _ in 0..<listeners {
                group.addTask {
                    let connection = try await Bench.connect(url, logger: logger)
                    var delays: [Double] = []
                    do {
                        let notifications = try await connection.listen("bench_raw")
                        await ready.add(1)
                        for try await notification in notifications {
                            let now = Date().timeIntervalSince1970 * 1e6
                            if notification.payload == "stop" { break }
                            if let sent = Double(notification.payload) { delays.append(max(0, now - sent) / 1e6) }
                        }
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                    return delays
                }
            }
            while await ready.value < listeners { try await Task.sleep(for: .milliseconds(50)) }
            _ = try await NIOThreadPool.singleton.runIfActive {
                try Bench.runPgbench(
                    url: url, scripts: [(file, 1)], connections: connections, threads: min(connections, 2), limit: .seconds(seconds),
                    defines: ["channel": channel.id.lowercased, "author": channel.author.lowercased])
            }
            try await Task.sleep(for: .seconds(2))
            try await Bench.execute("SELECT pg_notify('bench_raw', 'stop')", on: url, logger: logger)
            var delays: [Double] = []
            for try await listener in group { delays += listener ?? [] }
            // pgbench's rate leaves out the statements in flight when its time ran out; the table does not.
            let posts = try await Bench.count(
                "SELECT count(*) FROM \(schema.table("channel_messages")) WHERE channel_id = '\(channel.id.lowercased)' AND body = 'raw'", on: url, logger: logger)
            return Posting(posts: posts, seconds: Double(seconds), delays: delays, expected: posts * listeners)
        }
    }

    static func row(_ columns: [String]) -> String {
        zip(columns, [26, 22, 22, 10]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }

    static func report(messages: Int, listeners: Int, connections: Int, pages: [Page], posting: Posting, raw: Posting) {
        print("\nbench channels: one channel of \(messages) messages; pages of 50 over HTTP, one request at a time")
        print(row(["page", "platform p50/p99", "raw p50/p99", "p99 ratio"]))
        for page in pages {
            let (p50, p99) = (Bench.percentile(page.platform, 50), Bench.percentile(page.platform, 99))
            print(row([page.label, "\(Bench.ms(p50)) / \(Bench.ms(p99))", "\(Bench.ms(page.raw.p50)) / \(Bench.ms(page.raw.p99))", Bench.ratio(p99, page.raw.p99)]))
        }
        print("\nposting with \(listeners) live readers, \(connections) posters (raw: pgbench, \(connections) connections, \(listeners) LISTEN connections)")
        print(row(["measure", "platform", "raw", "ratio"]))
        let rate = Double(posting.posts) / posting.seconds, rawRate = Double(raw.posts) / raw.seconds
        print(row(["posts/s", String(format: "%.0f", rate), String(format: "%.0f", rawRate), String(format: "%.2f", rate / rawRate)]))
        for p in [50.0, 99.0] {
            let (mine, theirs) = (Bench.percentile(posting.delays, p), Bench.percentile(raw.delays, p))
            print(row(["post → event p\(Int(p))", Bench.ms(mine), Bench.ms(theirs), Bench.ratio(mine, theirs)]))
        }
        print(row(["events delivered", "\(posting.delays.count) of \(posting.expected)", "\(raw.delays.count) of \(raw.expected)", "-"]))
        print("(platform: HTTP posts and SSE readers in the bench's own process beside the server; raw: the same post statement, NOTIFY to each LISTEN connection)")
    }
}

/// A count several tasks add to.
actor Counter {
    private(set) var value = 0
    func add(_ amount: Int) { value += amount }
}
