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
        _ server: DatabaseURL, logger: Logger, _ body: @Sendable (DatabaseURL) async throws -> T
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
            try await execute("DROP DATABASE \(name) WITH (FORCE)", on: admin, logger: logger)
            return result
        } catch {
            try? await execute("DROP DATABASE \(name) WITH (FORCE)", on: admin, logger: logger)
            throw error
        }
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

    /// The baseline: for one schema, a new connection, `BEGIN`, the search_path, the statements, `COMMIT`.
    static func rawApply(_ statements: [String], schema: SchemaName, createSchema: Bool, url: DatabaseURL, logger: Logger) async throws {
        let connection = try await connect(url, logger: logger)
        do {
            try await connection.query("BEGIN", logger: logger)
            if createSchema { try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema.quoted)"), logger: logger) }
            try await connection.query("SELECT set_config('search_path', \(schema.quoted), true)", logger: logger)
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            try await connection.query("COMMIT", logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
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
        zip(columns, [34, 16, 16, 10]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }
}
