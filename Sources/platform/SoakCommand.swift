import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PostgresNIO

/// A mixed load held at a share of the measured peak for a while, with memory sampled every ten
/// seconds: the platform's own resident memory and its PostgreSQL backends'. It fails (exit 1)
/// when any request fails, so CI can run it short. The load: reads of a record by id, pages of
/// records, and merges into a record, from one member over HTTP.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "A mixed load at 80% of the measured peak, memory sampled every 10 s.")

    @Option(help: "How long to hold the load.") var minutes = 10.0
    @Option(help: "Connections the load is sent on.") var connections = 16
    @Option(help: "The share of the measured peak to hold.") var load = 0.8
    @Option(help: "Seconds between samples.") var interval = 10

    func run() async throws {
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: Runtime.makeLogger())
        let (minutes, connections, load, interval) = (self.minutes, self.connections, self.load, self.interval)
        let failures = try await Bench.withScratchDatabase(base.database, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.maximumConnections = connections
            let tenantDatabase = config.tenantDatabase
            return try await Bench.withPlatform(config, logger: quiet) { port in
                let (token, workspace) = try await BenchReadCommand.signUp(port: port)
                let ids = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: quiet) { pool in
                    try await BenchReadCommand.seed(100, workspace: workspace, pool: pool, logger: quiet)
                }
                let mix = SoakMix(target: "http://127.0.0.1:\(port)", token: token, workspace: workspace, ids: ids)
                let peak = try await mix.run(workers: connections, seconds: 10, rate: nil)
                let rate = peak.rate * load
                print("platform soak: \(String(format: "%.1f", minutes)) min at \(String(format: "%.0f", rate)) requests/s "
                      + "(\(Int(load * 100))% of the measured peak, \(String(format: "%.0f", peak.rate))), \(connections) connections; "
                      + "60% reads by id, 25% pages of 20, 15% merges")
                print(Bench.row(["elapsed", "requests/s", "p99", "failed", "process RSS", "backends"]))
                var failed = peak.failed
                let windows = max(1, Int((minutes * 60 / Double(interval)).rounded()))
                for window in 1...windows {
                    let result = try await mix.run(workers: connections, seconds: interval, rate: rate)
                    failed += result.failed
                    let backends = try await Self.backendsKiB(url, logger: quiet)
                    print(Bench.row([
                        "\(window * interval) s", String(format: "%.0f", result.rate), Bench.ms(result.p99), "\(result.failed)",
                        "\(BenchMemoryCommand.kibibytes("/proc/self/status", fields: ["VmRSS"]) / 1024) MiB",
                        "\(backends.kib / 1024) MiB (\(backends.count))",
                    ]))
                    fflush(nil)  // each sample as it is taken, even into a file or a CI log
                }
                print("(process RSS: the platform and this load generator, one process; backends: the private memory of the database's backends, and how many)")
                return failed
            }
        }
        if failures > 0 {
            print("\(failures) requests failed")
            throw ExitCode(1)
        }
    }

    /// The private memory of every backend connected to the scratch database, and how many there are.
    static func backendsKiB(_ url: DatabaseURL, logger: Logger) async throws -> (kib: Int, count: Int) {
        let pids = try await PlatformServer.withClient(url, maximumConnections: 1, logger: logger) { client in
            try await client.run("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", logger: logger)
                .map { try $0.decode(Int.self) }
        }
        return (pids.map(BenchMemoryCommand.privateKiB).reduce(0, +), pids.count)
    }
}

/// The soak's requests, sent by `workers` at once: as fast as they are answered (`rate` nil), or
/// paced so that all of them together send `rate` a second.
struct SoakMix: Sendable {
    let target: String
    let token: String
    let workspace: UUID
    let ids: [UUID]

    struct Result {
        let rate: Double
        let p99: Double
        let failed: Int
    }

    func run(workers: Int, seconds: Int, rate: Double?) async throws -> Result {
        let started = ContinuousClock.now
        let end = started + .seconds(seconds)
        let gap = rate.map { Duration.seconds(Double(workers) / $0) }
        let parts = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var latencies: [Double] = [], failed = 0, sent = worker
                    var next = started + (gap.map { $0 * Double(worker) / Double(workers) } ?? .zero)
                    while next < end {
                        if gap != nil { try await Task.sleep(until: next, clock: .continuous) }
                        let began = ContinuousClock.now
                        if try await send(sent) { latencies.append((ContinuousClock.now - began).inSeconds) } else { failed += 1 }
                        sent += workers
                        next = gap.map { next + $0 } ?? ContinuousClock.now
                    }
                    return (latencies, failed)
                }
            }
            return try await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let latencies = parts.flatMap(\.0)
        let elapsed = (ContinuousClock.now - started).inSeconds
        return Result(rate: Double(latencies.count) / elapsed, p99: Bench.percentile(latencies, 99), failed: parts.reduce(0) { $0 + $1.1 })
    }

    /// The `n`th request of the mix; true when it was answered 2xx.
    private func send(_ n: Int) async throws -> Bool {
        let id = ids[n % ids.count].uuidString.lowercased()
        var request: HTTPClientRequest
        switch n % 20 {
        case 0..<12:
            request = HTTPClientRequest(url: "\(target)/api/v1/records/\(id)")
        case 12..<17:
            request = HTTPClientRequest(url: "\(target)/api/v1/records?limit=20&offset=\(n % 80)")
        default:
            request = HTTPClientRequest(url: "\(target)/api/v1/records/\(id)")
            request.method = .PATCH
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"data":{"touched":\#(n)}}"#))
        }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "X-Workspace-Id", value: workspace.uuidString.lowercased())
        return try await BenchAuthCommand.send(request, on: BenchAuthCommand.readClient)
    }
}
