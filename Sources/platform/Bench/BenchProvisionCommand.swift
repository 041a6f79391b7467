import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Migrator
import PlatformAuth
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer

/// Signup-to-ready through the real path (HTTP signup, job queue, worker, argon2id, schema,
/// migrations, seed, SSE until COMPLETED), against the same tenant SQL run raw.
struct BenchProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision", abstract: "Signup-to-ready latency and tenants/s, beside raw schema creation.")

    @Option(help: "Tenants to provision.") var tenants = 100
    @Option(help: "Signups in flight at once (the same for the baseline).") var concurrency = 8
    @Option(help: "Jobs the worker runs at once.") var workerConcurrency = 8
    @Option(help: "Warm schemas the worker keeps made ahead (0: every signup makes its own); timing starts once they are ready.")
    var warm = 0

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        let tenants = self.tenants, concurrency = self.concurrency, workerConcurrency = self.workerConcurrency, warm = self.warm
        try await Bench.withScratchDatabase(base.database, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.workerConcurrency = workerConcurrency
            config.maximumConnections = workerConcurrency * 2 + 4
            config.warmSchemas = warm
            let platform = try await Bench.withPlatform(config, logger: quiet) { port in
                if warm > 0 { try await Self.waitForWarmSchemas(warm, url: url, logger: quiet) }
                return try await Bench.timeEach(Array(0..<tenants), concurrency: concurrency) { index in
                    try await Self.signUpAndWait(port: port, index: index)
                }
            }

            let statements = MigrationCatalog.embedded.tenant.flatMap(\.statements)
            let raw = try await Bench.withRawPool(url, connections: concurrency, logger: quiet) { pool in
                try await Bench.timeEach(Array(0..<tenants), concurrency: concurrency) { _ in
                    try await Bench.rawApply(statements, schema: .tenant(UUID()), createSchema: true, on: pool, logger: quiet)
                }
            }

            // The platform hashes every password with argon2id (SPEC cost); the raw baseline hashes nothing.
            let hasher = PasswordHasher(cost: config.passwordHashing)
            let hashing = try await Bench.timeEach(Array(0..<20), concurrency: 1) { _ in _ = try await hasher.hash("correct horse battery staple") }
            let hash = Bench.percentile(hashing.latencies, 50)

            print("bench provision: \(tenants) tenants, \(concurrency) at once, worker concurrency \(workerConcurrency), \(warm) warm schemas kept")
            print(Bench.row(["", "platform", "raw postgres", "ratio"]))
            for p in [50.0, 95.0, 99.0] {
                let ours = Bench.percentile(platform.latencies, p), theirs = Bench.percentile(raw.latencies, p)
                print(Bench.row(["signup-to-ready p\(Int(p))", Bench.ms(ours), Bench.ms(theirs), Bench.ratio(ours, theirs)]))
            }
            let ours = Double(tenants) / platform.wall, theirs = Double(tenants) / raw.wall
            print(Bench.row(["tenants/s", String(format: "%.1f", ours), String(format: "%.1f", theirs), Bench.ratio(theirs, ours)]))
            let p50 = Bench.percentile(platform.latencies, 50), rawP50 = Bench.percentile(raw.latencies, 50)
            print(Bench.row(["argon2id hash alone (p50, idle)", Bench.ms(hash), "-", "-"]))
            print(Bench.row(["p50 without the hash", Bench.ms(p50 - hash), Bench.ms(rawP50), Bench.ratio(p50 - hash, rawP50)]))
            print("(ratios: platform over raw; above 1 means slower than raw)")
        }
    }

    static func waitForWarmSchemas(_ count: Int, url: DatabaseURL, logger: Logger) async throws {
        try await PlatformServer.withClient(url, maximumConnections: 1, logger: logger) { client in
            let deadline = ContinuousClock.now + .seconds(600)
            while try await client.value(Int.self, "SELECT count(*)::int FROM control.warm_schemas WHERE ready", logger: logger) ?? 0 < count {
                guard ContinuousClock.now < deadline else { throw BenchError("the warm schemas were not ready in ten minutes") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// POST /auth/signup/async, then read its SSE stream until the terminal event.
    static func signUpAndWait(port: Int, index: Int) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/signup/async")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: [String: String] = [
            "email": "bench-\(index)-\(UUID().uuidString.prefix(8))@example.com", "password": "correct horse battery staple",
            "full_name": "Bench \(index)", "company_name": "Bench Co \(index)",
        ]
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let ticket = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .accepted,
              let json = try JSONSerialization.jsonObject(with: Data(buffer: ticket)) as? [String: Any],
              let streamURL = json["stream_url"] as? String
        else { throw BenchError("signup answered \(response.status)") }
        try await follow(streamURL, port: port)
    }

    /// Reads a job's SSE stream (`stream_url`) until its terminal event.
    static func follow(_ streamURL: String, port: Int) async throws {
        let stream = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(streamURL)"), timeout: .seconds(60))
        var text = ""
        for try await chunk in stream.body {
            text += String(buffer: chunk)
            if text.contains("\"status\":\"COMPLETED\"") { return }
            if text.contains("\"status\":\"FAILED\"") { throw BenchError("provisioning failed: \(text.suffix(300))") }
        }
        throw BenchError("the stream ended without a terminal event")
    }
}

actor PortBox {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ port: Int) {
        self.port = port
        waiters.forEach { $0.resume(returning: port) }
        waiters = []
    }

    func wait() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
