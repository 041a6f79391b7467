@_spi(TenantProvisioning) import PlatformCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import PlatformServer
import PostgresNIO
import TenantPlane

/// A mixed tenant workload (70% reads, 30% writes) over HTTP with wrk, across many tenants of two
/// sizes: over the large tenants beside pgbench running the same operations as plain SQL on their
/// schemas in the same run, over as many small ones, and over all of them (does p99 hold as
/// tenants multiply?). Then a filtered list and a search over one big recordset, with the plans.
struct BenchTenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Mixed reads and writes over HTTP (wrk) across many tenants, beside pgbench; a filtered list over a big recordset.")

    @Option(help: "Tenants (workspaces), the signup's included.") var tenants = 1000
    @Option(help: "How many of them hold --large-records records; the rest hold --small-records.") var largeTenants = 10
    @Option(help: "Records in each large tenant.") var largeRecords = 10_000
    @Option(help: "Records in each other tenant.") var smallRecords = 100
    @Option(help: "Records in one more workspace, whose filtered list is timed.") var bigRecords = 100_000
    @Option(help: "Persistent connections, for wrk and pgbench alike (and the platform's pools).") var connections = 8
    @Option(help: "Seconds each load runs.") var duration = 10
    @Option(help: "wrk threads and pgbench jobs.") var threads = 2
    @Flag(help: "Keep the scratch database afterwards, to look into.") var keepDatabase = false

    struct Sizes: Sendable {
        let tenants, largeTenants, largeRecords, smallRecords, bigRecords, connections, duration, threads: Int
    }

    /// What setup made: the user's token, the tenants (large ones first) and the big workspace.
    struct World: Sendable {
        let token: String
        let tenants: [BenchTenant]
        let big: BenchTenant
    }

    struct Load: Sendable {
        let label: String
        let warmup: Int
        let wrk: Bench.WrkResult
    }

    struct Timed: Sendable {
        let matches: Int
        let latencies: [Double]
    }

    func validate() throws {
        guard tenants >= 1, (1...tenants).contains(largeTenants) else { throw ValidationError("--large-tenants must be between 1 and --tenants.") }
        guard min(largeRecords, smallRecords, bigRecords, connections, duration, threads) >= 1 else {
            throw ValidationError("Record counts, connections, duration and threads must be positive.")
        }
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        for tool in ["wrk", "pgbench"] where Bench.which(tool) == nil {
            throw ValidationError("\(tool) is not installed (apt-get install \(tool == "wrk" ? "wrk" : "postgresql-client"))")
        }
        let sizes = Sizes(tenants: tenants, largeTenants: largeTenants, largeRecords: largeRecords, smallRecords: smallRecords,
                          bigRecords: bigRecords, connections: connections, duration: duration, threads: threads)
        try await Bench.withScratchDatabase(base.database, keep: keepDatabase, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            // Setting up 1,000 tenants outlasts a default access token.
            config.accessTokenLifetime = .seconds(24 * 3600)
            // Setup gets a worker pool of its own size; the measured platform has the pgbench side's connections.
            var setup = config
            setup.workerConcurrency = 4
            setup.maximumConnections = 12
            config.maximumConnections = sizes.connections
            let tenantDatabase = config.tenantDatabase

            let started = ContinuousClock.now
            let world = try await Bench.withPlatform(setup, logger: quiet) { port in
                try await Self.populate(sizes, port: port, tenantDatabase: tenantDatabase, logger: logger, quiet: quiet)
            }
            // Bulk-loaded tables have no statistics, and their GIN indexes a pending list, until
            // autovacuum comes round; vacuum and analyse them as it would.
            let schemas = (world.tenants + [world.big]).map { SchemaName.tenant($0.workspace) }
            let tables = schemas.flatMap { schema in ["records", "recordsets", "record_versions"].map { schema.table($0).description } }
            try await Bench.execute("VACUUM (ANALYZE) " + tables.joined(separator: ", "), on: url, logger: quiet)
            let setupSeconds = (ContinuousClock.now - started).inSeconds
            let large = Array(world.tenants.prefix(min(sizes.largeTenants, 10)))
            let small = Array(world.tenants.dropFirst(sizes.largeTenants).prefix(10))
            let sets = [("\(large.count) large tenants", large)] + (small.isEmpty ? [] : [("\(small.count) small tenants", small)])
                + [("all \(world.tenants.count) tenants", world.tenants)]

            let (loads, filtered, search) = try await Bench.withPlatform(config, logger: quiet) { port in
                try await Self.measure(sets, world, sizes, port: port)
            }
            let explained = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: quiet) { pool in
                try await Self.explain(world.big, records: sizes.bigRecords, pools: TenantPools([TenantPools.primary: pool]), logger: quiet)
            }
            let scripts = try TenantOperation.pgbenchScripts(large)
            defer { try? FileManager.default.removeItem(at: scripts[0].file.deletingLastPathComponent()) }
            let raw = try await NIOThreadPool.singleton.runIfActive {
                try Bench.runPgbench(url: url, scripts: scripts, connections: sizes.connections, threads: sizes.threads, seconds: sizes.duration)
            }
            Self.report(sizes, setupSeconds: setupSeconds, loads: loads, raw: raw, filtered: filtered, search: search, explained: explained)
        }
    }

    /// Signs one user up, creates the other workspaces as them over the API (each provisioned by
    /// its job), and fills each with a recordset, a pipeline and its records.
    static func populate(_ sizes: Sizes, port: Int, tenantDatabase: DatabaseURL, logger: Logger, quiet: Logger) async throws -> World {
        let (token, first) = try await BenchReadCommand.signUp(port: port)
        let api = BenchAPI(port: port, token: token)
        let records = (0..<sizes.tenants).map { $0 < sizes.largeTenants ? sizes.largeRecords : sizes.smallRecords } + [sizes.bigRecords]
        let started = ContinuousClock.now
        let made = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 4, logger: quiet) { pool in
            let pools = TenantPools([TenantPools.primary: pool])
            let progress: @Sendable (Int) -> Void = { done in
                if done % 50 == 0 || done == records.count {
                    logger.info("workspaces ready: \(done) of \(records.count) (\(String(format: "%.0f", (ContinuousClock.now - started).inSeconds)) s)")
                }
            }
            return try await inParallel(Array(records.indices), concurrency: 8, progress: progress) { index in
                let workspace = index == 0 ? first : try await api.createWorkspace(index == sizes.tenants ? "Big" : "Tenant \(index)")
                return try await api.fill(workspace, records: records[index], pools: pools, logger: quiet)
            }
        }
        return World(token: token, tenants: Array(made.dropLast()), big: made.last!)
    }

    /// The big recordset's lists one at a time, then each set of tenants under wrk (after a warm-up).
    static func measure(_ sets: [(String, [BenchTenant])], _ world: World, _ sizes: Sizes, port: Int) async throws -> ([Load], Timed, Timed) {
        let target = "http://127.0.0.1:\(port)"
        // The big recordset's lists first, one request at a time on a quiet server: after the
        // loads, autovacuum is busy tidying a thousand tenants for minutes.
        let api = BenchAPI(port: port, token: world.token)
        let list = "/api/v1/records?recordset_id=\(world.big.recordset.lowercased)&limit=50"
        let filters = "&column_filters=\(TenantOperation.cityFilter)&numeric_filters="
            + #"{"amount":{"gte":5000}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let filtered = try await time(api, world.big.workspace, list + filters)
        let search = try await time(api, world.big.workspace, list + "&search=paris")
        var loads: [Load] = []
        for (label, tenants) in sets {
            let script = try TenantOperation.wrkScript(tenants, token: world.token)
            defer { try? FileManager.default.removeItem(at: script) }
            // A server that has run a while has met every tenant on every pooled connection:
            // PostgreSQL caches each schema's relations, indexes and compiled trigger functions
            // per connection, and a cold (tenant, connection) pair costs a few milliseconds more.
            // Raw pgbench over 990 of these tenants needs about 10 transactions per pair to reach
            // its steady state; warm up until each pair has had about 15 requests (writes, which
            // compile the triggers, are 30% of them), at the rate a short first pass shows.
            let probe = try await NIOThreadPool.singleton.runIfActive {
                try Bench.runWrk(url: target, script: script, connections: sizes.connections, threads: sizes.threads, seconds: 2)
            }
            let visits = Double(15 * tenants.count * sizes.connections)
            let warmup = Int(min(360, visits / max(probe.requestsPerSecond, 1)).rounded(.up)) - 2
            if warmup > 0 {
                // wrk runs on a thread of its own, so the server keeps every cooperative thread.
                _ = try await NIOThreadPool.singleton.runIfActive {
                    try Bench.runWrk(url: target, script: script, connections: sizes.connections, threads: sizes.threads, seconds: warmup)
                }
            }
            let result = try await NIOThreadPool.singleton.runIfActive {
                try Bench.runWrk(url: target, script: script, connections: sizes.connections, threads: sizes.threads, seconds: sizes.duration)
            }
            loads.append(Load(label: label, warmup: 2 + max(warmup, 0), wrk: result))
            Bench.progress("\(label): \(Int(result.requestsPerSecond)) requests/s, p50 \(result.p50), p99 \(result.p99), \(result.errors) non-2xx"
                + (result.socketErrors.map { ", socket errors: \($0)" } ?? ""))
        }
        return (loads, filtered, search)
    }

    /// `requests` GETs one after another, after one that warms up and counts the matches.
    static func time(_ api: BenchAPI, _ workspace: UUID, _ path: String, requests: Int = 200) async throws -> Timed {
        struct Listed: Decodable { let total: Int }
        let matches = try JSONDecoder().decode(Listed.self, from: try await api.send("GET", path, workspace: workspace)).total
        let run = try await Bench.timeEach(Array(0..<requests), concurrency: 1) { _ in _ = try await api.send("GET", path, workspace: workspace) }
        return Timed(matches: matches, latencies: run.latencies)
    }

    /// The filtered list as `RecordRepository.list` builds it for an owner (who sees every
    /// recordset, so the access condition is `true`): the count, then the page it chooses by it.
    static func explain(_ big: BenchTenant, records: Int, pools: TenantPools, logger: Logger) async throws -> (count: [String], page: [String]) {
        let db = try pools.database(workspaceID: big.workspace)
        let city: JSONValue = .object(["city": .string("Paris")])
        let amount = #"$."amount" >= $v"#
        let from: SQLFragment = """
            FROM \(db.table("records")) r JOIN \(db.table("recordsets")) rs ON rs.id = r.recordset_id AND rs.deleted_at IS NULL \
            WHERE r.deleted_at IS NULL AND true AND r.recordset_id = \(big.recordset) AND r.data @> \(city) \
            AND jsonb_path_match(r.data, \(amount)::jsonpath, \(JSONValue.object(["v": .number(5000)])), true)
            """
        let total = try await db.count(from, logger: logger)
        let select = RecordListPlan.page(from, order: "r.created_at, r.id", page: Page(limit: 50), total: total, of: records)
        func plan(_ sql: SQLFragment) async throws -> [String] {
            var lines: [String] = []
            let explain: SQLFragment = "EXPLAIN (ANALYZE, BUFFERS) \(sql)"
            for row in try await db.run(try explain.query, logger: logger) { lines.append(try row.decode(String.self)) }
            return lines
        }
        return (try await plan("SELECT count(*)::int \(from)"), try await plan(select))
    }

    static func report(
        _ sizes: Sizes, setupSeconds: Double, loads: [Load], raw: (tps: Double, p50: Double, p99: Double),
        filtered: Timed, search: Timed, explained: (count: [String], page: [String])
    ) {
        func latencies(_ p50: Double, _ p99: Double) -> String { String(format: "%.1f / %.1f ms", p50 * 1000, p99 * 1000) }
        let small = sizes.tenants - sizes.largeTenants
        print("bench tenant: \(sizes.tenants) tenants (\(sizes.largeTenants) with \(sizes.largeRecords) records, \(small) with \(sizes.smallRecords)),",
              "HTTP (wrk) vs pgbench -M prepared, \(sizes.connections) connections, \(sizes.threads) threads, \(sizes.duration) s each")
        print("mix: " + TenantOperation.allCases.map { "\($0.weight)% \($0.name)" }.joined(separator: ", "))
        print("setup: \(sizes.tenants + 1) workspaces provisioned over the API, filled and analysed in \(String(format: "%.0f", setupSeconds)) s")
        print(Bench.row(["", "platform", "raw postgres", "ratio"]))
        for (index, load) in loads.enumerated() {
            let (p50, p99) = (wrkSeconds(load.wrk.p50), wrkSeconds(load.wrk.p99))
            let rps = String(format: "%.0f", load.wrk.requestsPerSecond)
            if index == 0 {
                print(Bench.row(["requests/s, \(load.label)", rps, String(format: "%.0f", raw.tps), String(format: "%.2f", load.wrk.requestsPerSecond / raw.tps)]))
                print(Bench.row(["  p50 / p99", latencies(p50, p99), latencies(raw.p50, raw.p99), Bench.ratio(p99, raw.p99)]))
            } else {
                print(Bench.row(["requests/s, \(load.label)", rps, "-", "-"]))
                print(Bench.row(["  p50 / p99", latencies(p50, p99), "-", "-"]))
            }
            print(Bench.row(["  non-2xx answers", String(load.wrk.errors), "-", "-"]) + "(after \(load.warmup) s of warm-up)")
            if let socketErrors = load.wrk.socketErrors { print("  socket errors: \(socketErrors)") }
        }
        if loads.count == 3 {
            let ratio = wrkSeconds(loads[2].wrk.p99) / wrkSeconds(loads[1].wrk.p99)
            print(Bench.row(["p99: all \(sizes.tenants) ÷ \(loads[1].label)", "-", "-", String(format: "%.2f", ratio)])
                  + "(target ≤ 1.2: \(ratio <= 1.2 ? "met" : "missed"))")
        }
        for (label, timed) in [("filtered list", filtered), ("search \"paris\"", search)] {
            let p99 = Bench.percentile(timed.latencies, 99)
            print(Bench.row(["\(label), p50 / p99", latencies(Bench.percentile(timed.latencies, 50), p99), "-", "-"])
                  + "(\(sizes.bigRecords) records, \(timed.matches) matches; p99 < 50 ms: \(p99 < 0.05 ? "yes" : "no"))")
        }
        print("(raw postgres: the same operations as plain SQL in the large tenants' schemas, one pgbench script per tenant and")
        print(" operation with the same weights, no access checks; ratios: platform ÷ raw for requests/s and for p99)")
        print("(filtered list: city = Paris and amount ≥ 5000, 50 a page, \(filtered.latencies.count) requests one at a time, as the owner)")
        print("\nEXPLAIN (ANALYZE, BUFFERS) of the filtered list's count:")
        explained.count.forEach { print("  " + $0) }
        print("and of its page:")
        explained.page.forEach { print("  " + $0) }
    }

    /// wrk's latency text (`812.00us`, `1.23ms`, `2.01s`) in seconds.
    static func wrkSeconds(_ text: String) -> Double {
        for (unit, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? .nan) * scale
        }
        return .nan
    }

    /// `work` for every item, at most `concurrency` at once; the results in the items' order.
    static func inParallel<Item: Sendable, Result: Sendable>(
        _ items: [Item], concurrency: Int, progress: @escaping @Sendable (_ done: Int) -> Void,
        _ work: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            func addNext() {
                guard next < items.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await work(items[index])) }
            }
            for _ in 0..<concurrency { addNext() }
            var results = [Result?](repeating: nil, count: items.count)
            var done = 0
            while let (index, result) = try await group.next() {
                results[index] = result
                done += 1
                progress(done)
                addNext()
            }
            return results.map { $0! }
        }
    }
}

/// The bench user's calls to the platform.
struct BenchAPI: Sendable {
    let port: Int
    let token: String

    /// The answer's body; anything but a 2xx is an error naming the call.
    func send(_ method: String, _ path: String, workspace: UUID? = nil, body: String? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let workspace { request.headers.add(name: "X-Workspace-Id", value: workspace.lowercased) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 24))
        guard (200..<300).contains(response.status.code) else {
            throw BenchError("\(method) \(path) answered \(response.status.code): \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return data
    }

    private struct Identified: Decodable { let id: UUID }

    /// POST /workspaces, then its provisioning job's stream until it completes.
    func createWorkspace(_ name: String) async throws -> UUID {
        struct Created: Decodable {
            let workspace: Identified
            let streamURL: String
            enum CodingKeys: String, CodingKey { case workspace, streamURL = "stream_url" }
        }
        let created = try JSONDecoder().decode(Created.self, from: try await send("POST", "/api/v1/workspaces", body: #"{"name":"\#(name)"}"#))
        try await BenchProvisionCommand.follow(created.streamURL, port: port)
        return created.workspace.id
    }

    /// A "Deals" recordset with a three-stage pipeline over the API, then `count` records in one
    /// statement (the triggers keep the versions and the recordset's count).
    func fill(_ workspace: UUID, records count: Int, pools: TenantPools, logger: Logger) async throws -> BenchTenant {
        struct Pipeline: Decodable {
            let id: UUID
            let stages: [Identified]
        }
        let recordset = try JSONDecoder().decode(
            Identified.self, from: try await send("POST", "/api/v1/recordsets", workspace: workspace, body: #"{"name":"Deals"}"#)).id
        let pipeline = try JSONDecoder().decode(Pipeline.self, from: try await send("POST", "/api/v1/pipelines", workspace: workspace, body: """
            {"recordset_id":"\(recordset.lowercased)","name":"Sales","stages":[{"name":"Lead"},{"name":"Qualified"},{"name":"Won"}]}
            """))
        let stages = pipeline.stages.map(\.id)
        let db = try pools.database(workspaceID: workspace)
        var ids: [UUID] = []
        // A minute apart, so each sort order has something to sort.
        for row in try await db.run("""
            INSERT INTO \(db.table("records")) (recordset_id, data, stage_id, created_at, updated_at)
            SELECT \(recordset), jsonb_build_object('name', 'Person ' || n, 'city', c[1 + n % cardinality(c)], 'stage', w[1 + n % cardinality(w)],
                                                    'amount', n * 7919 % 10000),
                   s[1 + n % cardinality(s)], now() - n * interval '1 minute', now() - n * interval '1 minute'
            FROM generate_series(1, \(count)) AS n,
                 (SELECT \(TenantOperation.cities)::text[] AS c, \(TenantOperation.words)::text[] AS w, \(stages)::uuid[] AS s) AS v
            RETURNING id
            """, logger: logger) { ids.append(try row.decode(UUID.self)) }
        return BenchTenant(workspace: workspace, recordset: recordset, pipeline: pipeline.id, stages: stages, records: Array(ids.shuffled().prefix(20)))
    }
}
