import Foundation
import Logging
import Migrator
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PostgresNIO

/// What every benchmark shares: a throwaway database on the target server, timing, percentiles,
/// and the raw baseline (the same tenant SQL over one plain connection per tenant, no platform code).
enum Bench {
    /// A fresh database on the configured server with the control schema migrated; dropped afterwards.
    static func withScratchDatabase<T: Sendable>(
        _ server: DatabaseURL, keep: Bool = false, logger: Logger, _ body: @Sendable (DatabaseURL) async throws -> T
    ) async throws -> T {
        let name = "bench_\(Int(Date().timeIntervalSince1970))_\(UInt16.random(in: 0...UInt16.max))"
        let admin = server.with(database: "postgres")
        try await execute("CREATE DATABASE \(name)", on: admin, logger: logger)
        let url = server.with(database: name)
        do {
            _ = try await PlatformServer.withClient(url, maximumConnections: 2, logger: logger) { client in
                try await Migrator(client: client, logger: logger).migrateControl()
            }
            let result = try await body(url)
            if keep {
                print("kept the scratch database: \(name)")
            } else {
                try await execute("DROP DATABASE \(name) WITH (FORCE)", on: admin, logger: logger)
            }
            return result
        } catch {
            try? await execute("DROP DATABASE \(name) WITH (FORCE)", on: admin, logger: logger)
            throw error
        }
    }

    /// A line on stderr at once (stdout is buffered until the report), to follow a long run.
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Runs the whole platform in this process on a free port for `body`, then stops it.
    static func withPlatform<T: Sendable>(
        _ config: PlatformConfig, logger: Logger, _ body: @escaping @Sendable (_ port: Int) async throws -> T
    ) async throws -> T {
        // Every benchmark client is this machine, and one user or key: the budgets would bind at once.
        var config = config
        config.throttles = .unbounded
        config.apiKeyRateLimit = .unbounded
        config.userRateLimit = .unbounded
        let portBox = PortBox()
        let (app, _) = try await PlatformServer.buildApplication(config: config, onServerRunning: { await portBox.set($0) }, logger: logger)
        // Unstructured, so a platform that does not finish stopping (issue 12's note: a warm schema
        // being made when it is cancelled) is reported instead of holding the benchmark's results.
        let server = Task { try await app.run() }
        let result: T
        do {
            result = try await body(await portBox.wait())
        } catch {
            server.cancel()
            throw error
        }
        server.cancel()
        let stopped = Counter()
        Task { _ = await server.result; await stopped.add(1) }
        for _ in 0..<100 {
            if await stopped.value > 0 { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        if await stopped.value == 0 { logger.error("the platform did not stop within 10 s of being cancelled") }
        return result
    }

    static func connect(_ url: DatabaseURL, logger: Logger) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: Int.random(in: 1...Int.max), logger: logger)
    }

    static func execute(_ sql: String, on url: DatabaseURL, logger: Logger) async throws {
        let connection = try await connect(url, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// The first column of the first row of a query returning one integer.
    static func count(_ sql: String, on url: DatabaseURL, logger: Logger) async throws -> Int {
        let connection = try await connect(url, logger: logger)
        defer { Task { try? await connection.close() } }
        for try await (value) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) { return value }
        return 0
    }

    /// The raw baseline's pool: `connections` persistent connections, all opened before anything
    /// is timed, as the platform's pool keeps its own open. It waits first until no other backend in
    /// the database is busy: a statement a stopped platform had sent (a warm schema's baseline) runs
    /// on to its end after its client has gone, and would share the machine with the baseline.
    static func withRawPool<T: Sendable>(
        _ url: DatabaseURL, connections: Int, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await count("SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'",
                              on: url, logger: logger) > 0 {
            guard ContinuousClock.now < deadline else {
                progress("backends are still busy in \(url.database) after two minutes; the baseline runs beside them")
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await PlatformServer.withClient(url, maximumConnections: connections, logger: logger) { pool in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<connections { group.addTask { try await pool.query("SELECT pg_sleep(0.05)", logger: logger) } }
                try await group.waitForAll()
            }
            return try await body(pool)
        }
    }

    /// `statements` in one transaction on a pooled connection, in `schema` (created first when asked).
    static func rawApply(_ statements: [String], schema: SchemaName, createSchema: Bool, on pool: PostgresClient, logger: Logger) async throws {
        _ = try await pool.withTransaction(logger: logger) { connection in
            if createSchema { try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema.quoted)"), logger: logger) }
            try await connection.query("SELECT set_config('search_path', \(schema.quoted), true)", logger: logger)
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    /// Runs `work` for every item with at most `concurrency` at once; returns each item's seconds.
    static func timeEach<Item: Sendable>(
        _ items: [Item], concurrency: Int, _ work: @escaping @Sendable (Item) async throws -> Void
    ) async throws -> (latencies: [Double], wall: Double) {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
            var iterator = items.makeIterator()
            func addNext() -> Bool {
                guard let item = iterator.next() else { return false }
                group.addTask {
                    let began = ContinuousClock.now
                    try await work(item)
                    return (ContinuousClock.now - began).inSeconds
                }
                return true
            }
            for _ in 0..<concurrency where !addNext() { break }
            var latencies: [Double] = []
            while let latency = try await group.next() {
                latencies.append(latency)
                _ = addNext()
            }
            return latencies
        }
        return (latencies, (ContinuousClock.now - start).inSeconds)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    static func ratio(_ value: Double, _ baseline: Double) -> String { String(format: "%.2f×", value / baseline) }

    static func row(_ columns: [String]) -> String {
        let widths = [34, 20, 20, 16]
        return columns.enumerated().map { $1.padding(toLength: $0 < widths.count ? widths[$0] : 14, withPad: " ", startingAt: 0) }.joined()
    }
}

extension Bench {
    /// A database holding `count` active workspaces with their schemas at the current version, made
    /// once per server, count and catalogue by the migrator's fan-out and kept (`bench_tenants_…`);
    /// `setup` says whether this run made it. Benchmarks run in it directly: copying it is no cheaper
    /// than making it again (10,000 schemas are 22 GB in about 2.6 million files). So a benchmark that
    /// writes passes `undo`, which puts the tenants back as they were; it also runs before `body`, in
    /// case an earlier run was killed midway. Drop the database to make the schemas again.
    static func withTenants<T: Sendable>(
        _ count: Int, concurrency: Int, server: DatabaseURL, logger: Logger,
        undo: (@Sendable (_ url: DatabaseURL, _ ids: [UUID]) async throws -> Void)? = nil,
        _ body: @Sendable (_ url: DatabaseURL, _ ids: [UUID], _ setup: String) async throws -> T
    ) async throws -> T {
        let catalog = MigrationCatalog.embedded
        let kept = "bench_tenants_\(count)_c\(catalog.latestControlVersion)_t\(catalog.latestTenantVersion)"
        let admin = server.with(database: "postgres")
        var setup = "\(count) schemas kept in \(kept)"
        if try await Self.count("SELECT count(*)::int FROM pg_database WHERE datname = '\(kept)'", on: admin, logger: logger) == 0 {
            // Made under another name and renamed when complete, so a run killed midway keeps nothing.
            let (name, seconds) = try await withScratchDatabase(server, keep: true, logger: logger) { url in
                try await PlatformServer.withClient(url, maximumConnections: concurrency + 2, logger: logger) { client in
                    (url.database, try await makeTenants(count, concurrency: concurrency, on: client, logger: logger).setup.duration.inSeconds)
                }
            }
            try await execute("ALTER DATABASE \(name) RENAME TO \(kept)", on: admin, logger: logger)
            setup = "\(count) schemas made in \(String(format: "%.0f", seconds)) s and kept in \(kept)"
        }
        let url = server.with(database: kept)
        let ids = try await PlatformServer.withClient(url, maximumConnections: 1, logger: logger) { client in
            try await client.run("SELECT id FROM control.workspaces ORDER BY id", logger: logger).map { try $0.decode(UUID.self) }
        }
        try await undo?(url, ids)
        do {
            let result = try await body(url, ids, setup)
            try await undo?(url, ids)
            return result
        } catch {
            try? await undo?(url, ids)
            throw error
        }
    }

    /// `count` active workspaces, their schemas made by the migrator's fan-out.
    private static func makeTenants(
        _ count: Int, concurrency: Int, on client: PostgresClient, logger: Logger
    ) async throws -> (ids: [UUID], setup: FanOutReport) {
        let ids = (0..<count).map { _ in UUID() }
        try await client.execute("""
            INSERT INTO control.workspaces (id, name, slug, status, schema_name)
            SELECT id, 'bench', id::text, 'active', schema_name
            FROM unnest(\(ids)::uuid[], \(ids.map { SchemaName.tenant($0).name })::text[]) AS t(id, schema_name)
            """, logger: logger)
        let setup = try await Migrator(client: client, logger: logger).migrateTenants(concurrency: concurrency)
        guard setup.failures.isEmpty else { throw BenchError("setup failed: \(setup.failures.first!.error)") }
        return (ids, setup)
    }

    static func which(_ tool: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a command to its end and returns what it printed. The child starts with no signal
    /// blocked: this process blocks some (SIGALRM among them), and pgbench's `-T` timer needs it.
    static func output(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let log = FileManager.default.temporaryDirectory.appending(path: "bench-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw BenchError("could not start \(arguments[0]) (\(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0 else {
            throw BenchError("\(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    struct WrkResult: Sendable {
        let requestsPerSecond: Double
        let p50: String
        let p99: String
        let errors: Int
        /// wrk's `Socket errors: connect 0, read 0, write 0, timeout 0` line, when it printed one.
        let socketErrors: String?
    }

    static func runWrk(url: String, script: URL, connections: Int, threads: Int, seconds: Int) throws -> WrkResult {
        let text = try output(["wrk", "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, url])
        func field(_ prefix: String) -> String? {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(prefix) }?
                .dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        }
        guard let rps = field("Requests/sec:").flatMap(Double.init) else { throw BenchError("unreadable wrk output: \(text)") }
        let errors = field("Non-2xx or 3xx responses:").flatMap(Int.init) ?? 0
        return WrkResult(requestsPerSecond: rps, p50: field("50%") ?? "?", p99: field("99%") ?? "?", errors: errors,
                         socketErrors: field("Socket errors:"))
    }

    /// `pgbench -S -M prepared`: one primary-key SELECT per transaction, prepared, on persistent connections.
    /// `initialize` first fills pgbench's tables (scale 10), which a repeated run can skip.
    static func runPgbench(url: DatabaseURL, connections: Int, threads: Int, seconds: Int, initialize: Bool = true) throws -> (tps: Double, averageMs: Double) {
        let target = ["-h", url.host, "-p", String(url.port), "-U", url.username]
        let environment = url.password.map { ["PGPASSWORD": $0] } ?? [:]
        if initialize { _ = try output(["pgbench", "-i", "-q", "-s", "10"] + target + [url.database], environment: environment) }
        let text = try output(
            ["pgbench", "-S", "-M", "prepared", "-n", "-c", String(connections), "-j", String(threads), "-T", String(seconds)] + target + [url.database],
            environment: environment)
        func number(after marker: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first
        }
        guard let tps = number(after: "tps =") else { throw BenchError("unreadable pgbench output: \(text)") }
        return (tps, number(after: "latency average") ?? .nan)
    }

    /// pgbench over custom scripts (`-f file@weight`), prepared, on persistent connections, each
    /// transaction logged: the rate, and the p50 and p99 latencies in seconds.
    enum Limit { case seconds(Int), transactions(Int) }

    static func runPgbench(
        url: DatabaseURL, scripts: [(file: URL, weight: Int)], connections: Int, threads: Int, seconds: Int
    ) throws -> (tps: Double, p50: Double, p99: Double) {
        try runPgbench(url: url, scripts: scripts, connections: connections, threads: threads, limit: .seconds(seconds))
    }

    /// The same, for a time or a number of transactions per client, with `-D` variables.
    static func runPgbench(
        url: DatabaseURL, scripts: [(file: URL, weight: Int)], connections: Int, threads: Int, limit: Limit, defines: [String: String] = [:]
    ) throws -> (tps: Double, p50: Double, p99: Double) {
        let logs = FileManager.default.temporaryDirectory.appending(path: "pgbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        let target = ["-h", url.host, "-p", String(url.port), "-U", url.username, url.database]
        var arguments = ["pgbench", "-n", "-M", "prepared", "-c", String(connections), "-j", String(threads)]
        switch limit {
        case .seconds(let n): arguments += ["-T", String(n)]
        case .transactions(let n): arguments += ["-t", String(n)]
        }
        for (name, value) in defines.sorted(by: { $0.key < $1.key }) { arguments += ["-D", "\(name)=\(value)"] }
        arguments += ["-l", "--log-prefix=\(logs.appending(path: "tx").path)"]
        for script in scripts { arguments += ["-f", "\(script.file.path)@\(script.weight)"] }
        arguments += target
        let text = try output(
            arguments,
            environment: url.password.map { ["PGPASSWORD": $0] } ?? [:])
        guard let line = text.split(separator: "\n").first(where: { $0.contains("tps =") }),
              let tps = line.split(separator: " ").compactMap({ Double($0) }).first
        else { throw BenchError("unreadable pgbench output: \(text)") }
        // Each log line: client, transaction, latency in microseconds, script, epoch seconds, microseconds.
        var latencies: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(at: logs, includingPropertiesForKeys: nil) {
            for entry in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let fields = entry.split(separator: " ")
                if fields.count > 2, let micros = Double(fields[2]) { latencies.append(micros / 1e6) }
            }
        }
        return (tps, percentile(latencies, 50), percentile(latencies, 99))
    }
}

