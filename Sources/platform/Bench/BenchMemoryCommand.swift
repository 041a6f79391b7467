import ArgumentParser
import Foundation
import Logging
import Migrator
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PostgresNIO

/// What touching many tenants once each costs in memory, with connections recycled after 64
/// schemas and without: this process's resident memory, and the private memory of the tenant
/// pool's PostgreSQL backends (each caches the catalogue of every schema it has touched and keeps
/// every statement prepared on it). The server must run on this machine (`/proc` is read).
struct BenchMemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Memory after touching N tenants once each, with and without connection recycling.")

    @Option(help: "Tenant schemas, each touched once.") var tenants = 1000
    @Option(help: "Tenant pool connections.") var connections = 16

    struct Sample: Sendable {
        let processKiB: Int
        let backendsKiB: Int
        let backends: Int
        let stats: TenantPoolStats
        let seconds: Double
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        let tenants = self.tenants, connections = self.connections
        try await Bench.withTenants(tenants, concurrency: 4, server: base.database, logger: quiet) { url, ids, setup in
            var config = base
            config.database = url
            let tenantURL = config.tenantDatabase
            try await PlatformServer.withClient(url, maximumConnections: 6, logger: quiet) { control in
                // A first pass brings the tenants' catalogues into the OS cache, so that the pass
                // measured first does not also pay for reading them from disk.
                let warming = ContinuousClock.now
                try await PlatformServer.withClient(tenantURL, maximumConnections: connections, logger: quiet) { client in
                    try await Self.touch(ids, pools: TenantPools([TenantPools.primary: client], recycling: ConnectionRecycling()),
                                         workers: connections, logger: quiet)
                }
                print("bench memory: \(tenants) tenants (\(setup)); \(connections) tenant connections; "
                      + "a first pass over them all took \(String(format: "%.0f", (ContinuousClock.now - warming).inSeconds)) s")

                var samples: [(String, Sample)] = []
                for (name, recycling) in [
                    ("recycled after 64 schemas", ConnectionRecycling()),
                    ("never recycled", ConnectionRecycling(schemas: Int.max, age: .seconds(86_400))),
                ] {
                    let sample = try await PlatformServer.withClient(tenantURL, maximumConnections: connections, logger: quiet) { client in
                        let pools = TenantPools([TenantPools.primary: client], recycling: recycling)
                        let started = ContinuousClock.now
                        try await Self.touch(ids, pools: pools, workers: connections, logger: quiet)
                        let seconds = (ContinuousClock.now - started).inSeconds
                        let pids = try await control.run("""
                            SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = \(TenantPools.role)
                            """, logger: quiet).map { try $0.decode(Int.self) }
                        return Sample(
                            processKiB: Self.kibibytes("/proc/self/status", fields: ["VmRSS"]),
                            backendsKiB: pids.map(Self.privateKiB).reduce(0, +),
                            backends: pids.count, stats: pools.stats[TenantPools.primary] ?? TenantPoolStats(), seconds: seconds)
                    }
                    samples.append((name, sample))
                }
                print(Bench.row(["", "tenants/s", "process RSS", "backends", "their memory", "schemas", "statements"]))
                for (name, sample) in samples {
                    print(Bench.row([
                        name, String(format: "%.0f", Double(tenants) / sample.seconds), "\(sample.processKiB / 1024) MiB", "\(sample.backends)",
                        "\(sample.backendsKiB / 1024) MiB", "\(sample.stats.schemas)", "\(sample.stats.statements)",
                    ]))
                }
                print("(process RSS: this whole process, after both pools were used in turn; their memory: the open tenant backends' own memory (private pages of private mappings, from smaps, so not shared buffers); schemas and statements: what the pool's open connections hold)")
            }
        }
    }

    /// Reads each tenant once (a count of its records) through the scoped handle, `workers` at a time.
    static func touch(_ ids: [UUID], pools: TenantPools, workers: Int, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: ids.count, by: workers) {
                        let db = try pools.database(workspaceID: ids[index])
                        _ = try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("records"))", logger: logger)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A backend's own memory: the private pages of its private mappings. Not smaps_rollup's private
    /// total, which also counts the pages of shared buffers that only this backend has touched so
    /// far (a backend reading cold catalogues would look hundreds of MiB larger than it is).
    static func privateKiB(_ pid: Int) -> Int {
        // Read to the end: String(contentsOfFile:) stops after the first read of a /proc file.
        guard let data = try? FileHandle(forReadingAtPath: "/proc/\(pid)/smaps")?.readToEnd(),
              let text = String(data: data, encoding: .utf8) else { return 0 }
        var shared = false, total = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = parts.first, range.contains("-"), parts.count > 1, parts[1].count == 4 {
                shared = parts[1].hasSuffix("s")
            } else if !shared, let name = parts.first, name == "Private_Clean:" || name == "Private_Dirty:", parts.count > 1 {
                total += Int(parts[1]) ?? 0
            }
        }
        return total
    }

    /// The sum of `fields` (in kB) in a `/proc` status-like file; 0 when it cannot be read.
    static func kibibytes(_ path: String, fields: Set<String>) -> Int {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").reduce(0) { total, line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, fields.contains(String(parts[0])) else { return total }
            return total + (Int(parts[1].trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") ?? 0)
        }
    }
}
