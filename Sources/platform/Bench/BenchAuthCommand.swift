import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import Logging
import NIOCore
import PlatformAuth
import PlatformCore
import PlatformServer

/// Logins at the SPEC's argon2id cost over HTTP with 1, 8 and 32 clients, beside the bare
/// libargon2 verify rate on the same cores; then a tenant GET's p99 alone and while logins
/// saturate the CPU (hashing runs off the event loops, so reads should barely notice).
struct BenchAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Logins/s at argon2id SPEC cost (1/8/32 clients) vs the bare hash rate; tenant GET p99 under login load.")

    @Option(help: "Seconds each measurement runs.") var duration = 5
    @Option(help: "Concurrent readers for the tenant GET measurement.") var readers = 4

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        let (duration, readers) = (Double(self.duration), self.readers)
        let cost = PasswordHashingCost.standard
        let cores = ProcessInfo.processInfo.activeProcessorCount

        let bare = try Self.bareVerifyRate(cost: cost, threads: cores, seconds: duration)
        let bareOne = try Self.bareVerifyRate(cost: cost, threads: 1, seconds: duration)
        try await Bench.withScratchDatabase(base.database, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.passwordHashing = cost
            let tenantDatabase = config.tenantDatabase
            let report = try await Bench.withPlatform(config, logger: quiet) { port in
                let target = "http://127.0.0.1:\(port)"
                let (token, workspace) = try await BenchReadCommand.signUp(port: port)
                let ids = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: quiet) { pool in
                    try await BenchReadCommand.seed(200, workspace: workspace, pool: pool, logger: quiet)
                }
                let login = Self.loginRequest(target)
                var logins: [(clients: Int, rate: Double, p50: Double, p99: Double, errors: Int)] = []
                for clients in [1, 8, 32] {
                    let run = try await Self.load(clients: clients, seconds: duration) { try await Self.send(login) }
                    logins.append((clients, Double(run.latencies.count) / run.wall, Bench.percentile(run.latencies, 50), Bench.percentile(run.latencies, 99), run.errors))
                }
                let read = { @Sendable in
                    try await Self.send(Self.readRequest(target, id: ids.randomElement()!, token: token, workspace: workspace), on: Self.readClient)
                }
                let quietReads = try await Self.load(clients: readers, seconds: duration, read)
                let loaded = try await withThrowingTaskGroup(of: Run?.self) { group in
                    group.addTask { _ = try await Self.load(clients: 32, seconds: duration + 1) { try await Self.send(login) }; return nil }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(500))
                        return try await Self.load(clients: readers, seconds: duration, read)
                    }
                    var reads: Run?
                    while let result = try await group.next() { if let result { reads = result } }
                    return reads!
                }
                return (logins, quietReads, loaded)
            }
            let (logins, quietReads, loaded) = report
            print("bench auth: POST /api/v1/auth/login at argon2id m=\(cost.memoryKiB) KiB t=\(cost.iterations) p=\(cost.parallelism), \(cores) cores, \(Int(duration)) s each")
            print(Bench.row(["", "platform", "bare libargon2", "ratio"]))
            for row in logins {
                // One client can keep one core busy: its baseline is one thread.
                let baseline = row.clients == 1 ? bareOne : bare
                print(Bench.row(["logins/s, \(row.clients) client\(row.clients == 1 ? "" : "s")", String(format: "%.1f", row.rate),
                                 String(format: "%.1f", baseline), String(format: "%.2f", row.rate / baseline)]))
                print(Bench.row(["  p50 / p99", String(format: "%.0f / %.0f ms", row.p50 * 1000, row.p99 * 1000), "-", row.errors > 0 ? "\(row.errors) errors" : "-"]))
            }
            let quietP99 = Bench.percentile(quietReads.latencies, 99), loadedP99 = Bench.percentile(loaded.latencies, 99)
            print(Bench.row(["tenant GET p99, no logins", Bench.ms(quietP99), "-", "-"]))
            print(Bench.row(["tenant GET p99, 32 login clients", Bench.ms(loadedP99), "-", String(format: "%.2f", loadedP99 / quietP99)]))
            print(Bench.row(["tenant GET/s, no logins / loaded", String(format: "%.0f / %.0f", Double(quietReads.latencies.count) / quietReads.wall,
                                                                       Double(loaded.latencies.count) / loaded.wall), "-", "-"]))
            print("(bare: argon2id verifies per second with no HTTP, database or JSON, on 1 thread for 1 client and \(cores) threads otherwise;")
            print(" ratios: platform ÷ bare, and p99 loaded ÷ quiet; hashing runs on SCHED_IDLE threads, so reads keep their cores)")
        }
    }

    struct Run: Sendable {
        var latencies: [Double]
        var wall: Double
        var errors: Int
    }

    /// `clients` loops, each sending `request` until `seconds` have passed.
    static func load(clients: Int, seconds: Double, _ request: @escaping @Sendable () async throws -> Bool) async throws -> Run {
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let parts = try await withThrowingTaskGroup(of: Run.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var run = Run(latencies: [], wall: 0, errors: 0)
                    while ContinuousClock.now < deadline {
                        let began = ContinuousClock.now
                        if try await request() { run.latencies.append((ContinuousClock.now - began).inSeconds) } else { run.errors += 1 }
                    }
                    return run
                }
            }
            var all: [Run] = []
            for try await part in group { all.append(part) }
            return all
        }
        return Run(latencies: parts.flatMap(\.latencies), wall: (ContinuousClock.now - start).inSeconds, errors: parts.reduce(0) { $0 + $1.errors })
    }

    static func loginRequest(_ target: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: target + "/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"email":"reader@example.com","password":"correct horse battery staple"}"#))
        return request
    }

    static func readRequest(_ target: String, id: UUID, token: String, workspace: UUID) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: target + "/api/v1/records/\(id.uuidString.lowercased())")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "X-Workspace-Id", value: workspace.uuidString.lowercased())
        return request
    }

    /// Logins and reads each get their own connections, so neither waits for the other's.
    static let loginClient = client()
    static let readClient = client()

    static func client() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// True for a 2xx answer (the body is read and dropped).
    static func send(_ request: HTTPClientRequest, on client: HTTPClient = loginClient) async throws -> Bool {
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (200..<300).contains(response.status.code)
    }

    /// argon2id verifies per second with `threads` threads, nothing else in the way.
    static func bareVerifyRate(cost: PasswordHashingCost, threads: Int, seconds: Double) throws -> Double {
        let encoded = try PasswordHasher.hashBlocking("correct horse battery staple", cost: cost)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(seconds * 1e9)
        nonisolated(unsafe) let slots = counts
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            while DispatchTime.now().uptimeNanoseconds < end {
                if PasswordHasher.verifyBlocking("correct horse battery staple", against: encoded) { slots[index] += 1 }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(counts.reduce(0, +)) / elapsed
    }
}
