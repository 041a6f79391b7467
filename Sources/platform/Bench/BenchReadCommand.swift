@_spi(TenantProvisioning) import PlatformCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import PlatformServer
import PostgresNIO

/// Tenant reads through the whole stack (HTTP, credentials, workspace resolution, scoped handle,
/// row decoding, JSON) with wrk, as a member's JWT and as an API key, beside `pgbench -S -M
/// prepared` on the same server in the same run, the same number of persistent connections on
/// both sides. The three loads alternate, three times over, so drift on a shared machine touches
/// both sides; the median of the three ratios is the figure.
struct BenchReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Tenant GET by id over HTTP (wrk; JWT and API key), beside pgbench -S on the same server, three rounds.")

    @Option(help: "Persistent connections, for wrk and pgbench alike (and the platform's pools).") var connections = 8
    @Option(help: "Seconds each load runs.") var duration = 10
    @Option(help: "Records to read at random.") var records = 1000
    @Option(help: "wrk threads and pgbench jobs.") var threads = 2
    @Option(help: "Rounds of JWT, key and raw loads.") var rounds = 3

    struct Round: Sendable {
        let jwt: Bench.WrkResult
        let key: Bench.WrkResult
        let raw: (tps: Double, averageMs: Double)
    }

    /// The JWT load again, each connection pausing between requests so the rate is near half the
    /// peak: the latency a caller sees when the server is not saturated.
    struct HalfPeak: Sendable {
        let peak: Double
        let result: Bench.WrkResult
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        for tool in ["wrk", "pgbench"] where Bench.which(tool) == nil {
            throw ValidationError("\(tool) is not installed (apt-get install \(tool == "wrk" ? "wrk" : "postgresql-client"))")
        }
        let (connections, duration, records, threads, count) = (self.connections, self.duration, self.records, self.threads, self.rounds)
        try await Bench.withScratchDatabase(base.database, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.maximumConnections = connections
            let tenantDatabase = config.tenantDatabase
            let measured = try await Bench.withPlatform(config, logger: quiet) { port in
                let (token, workspace) = try await Self.signUp(port: port)
                let key = try await Self.createKey(port: port, token: token, workspace: workspace)
                let ids = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: quiet) { pool in
                    try await Self.seed(records, workspace: workspace, pool: pool, logger: quiet)
                }
                let asMember = try Self.wrkScript(ids: ids, credential: ("Authorization", "Bearer \(token)"), workspace: workspace)
                let asKey = try Self.wrkScript(ids: ids, credential: ("X-API-Key", key), workspace: workspace)
                // wrk and pgbench run on a thread of their own, so the server keeps every cooperative thread.
                let target = "http://127.0.0.1:\(port)"
                return try await NIOThreadPool.singleton.runIfActive {
                    _ = try Bench.runPgbench(url: url, connections: connections, threads: threads, seconds: 1)
                    for script in [asMember, asKey] { _ = try Bench.runWrk(url: target, script: script, connections: connections, threads: threads, seconds: 2) }
                    let rounds = try (0..<count).map { _ in
                        Round(
                            jwt: try Bench.runWrk(url: target, script: asMember, connections: connections, threads: threads, seconds: duration),
                            key: try Bench.runWrk(url: target, script: asKey, connections: connections, threads: threads, seconds: duration),
                            raw: try Bench.runPgbench(url: url, connections: connections, threads: threads, seconds: duration, initialize: false))
                    }
                    // At the peak each connection waits about connections ÷ peak per request; pausing
                    // as long again between requests halves the rate.
                    let peak = Bench.percentile(rounds.map(\.jwt.requestsPerSecond), 50)
                    let pause = max(1, Int((1000 * Double(connections) / peak).rounded()))
                    let paced = try Self.wrkScript(ids: ids, credential: ("Authorization", "Bearer \(token)"), workspace: workspace, pauseMs: pause)
                    let half = try Bench.runWrk(url: target, script: paced, connections: connections, threads: threads, seconds: duration)
                    let http = try ReadFloors.http(port: port, connections: connections, threads: threads, seconds: duration)
                    return (rounds, HalfPeak(peak: peak, result: half), http)
                }
            }
            let (rounds, half, http) = measured
            let floors = ReadFloors(
                http: http, driver: try await ReadFloors.driver(url: url, connections: connections, seconds: duration, logger: quiet))

            print("bench read: GET /api/v1/records/{id} over HTTP vs pgbench -S -M prepared, \(connections) connections, \(duration) s each, \(count) rounds")
            print(Bench.row(["", "member JWT", "API key", "raw postgres", "JWT ÷ raw", "key ÷ raw"]))
            for (index, round) in rounds.enumerated() {
                print(Bench.row([
                    "round \(index + 1), requests/s", String(format: "%.0f", round.jwt.requestsPerSecond), String(format: "%.0f", round.key.requestsPerSecond),
                    String(format: "%.0f", round.raw.tps), String(format: "%.3f", round.jwt.requestsPerSecond / round.raw.tps),
                    String(format: "%.3f", round.key.requestsPerSecond / round.raw.tps),
                ]))
                print(Bench.row(["  p50 / p99", "\(round.jwt.p50) / \(round.jwt.p99)", "\(round.key.p50) / \(round.key.p99)",
                                 String(format: "%.3f ms (avg)", round.raw.averageMs), "-", "-"]))
                if round.jwt.errors + round.key.errors > 0 { print("  non-2xx answers: JWT \(round.jwt.errors), key \(round.key.errors)") }
                for (name, result) in [("JWT", round.jwt), ("key", round.key)] {
                    if let errors = result.socketErrors { print("  \(name) socket errors: \(errors)") }
                }
            }
            let jwt = Bench.percentile(rounds.map { $0.jwt.requestsPerSecond / $0.raw.tps }, 50)
            let key = Bench.percentile(rounds.map { $0.key.requestsPerSecond / $0.raw.tps }, 50)
            print(Bench.row(["median ratio", "-", "-", "-", String(format: "%.3f", jwt), String(format: "%.3f", key)]))
            print("at about half the peak (\(String(format: "%.0f of %.0f", half.result.requestsPerSecond, half.peak)) requests/s, JWT): "
                + "p50 \(half.result.p50), p99 \(half.result.p99)")
            let raw = Bench.percentile(rounds.map(\.raw.tps), 50)
            print("floors, same run: GET /health over HTTP \(String(format: "%.0f", floors.http)) requests/s (\(String(format: "%.3f", floors.http / raw)) of raw); "
                + "pgbench's SELECT through PostgresNIO alone \(String(format: "%.0f", floors.driver))/s (\(String(format: "%.3f", floors.driver / raw)))")
            print("a read paying both floors and nothing else: about \(String(format: "%.0f", floors.bound)) requests/s (\(String(format: "%.3f", floors.bound / raw)) of raw)")
            print("(ratio: the platform's throughput as a share of raw PostgreSQL's; each HTTP read is one prepared statement, the record, once the caller's access is cached)")
        }
    }

    /// A key that may read records, made through the API as a person would.
    static func createKey(port: Int, token: String, workspace: UUID) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/api-keys")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "X-Workspace-Id", value: workspace.uuidString.lowercased())
        request.body = .bytes(ByteBuffer(string: #"{"name":"bench reader","scopes":["records:read"]}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .created, let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
              let key = json["key"] as? String
        else { throw BenchError("creating a key answered \(response.status)") }
        return key
    }

    static func signUp(port: Int) async throws -> (token: String, workspace: UUID) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/signup")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"email":"reader@example.com","password":"correct horse battery staple","full_name":"Reader","company_name":"Read Co"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .created,
              let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
              let token = json["access_token"] as? String, let workspace = (json["workspace_id"] as? String).flatMap(UUID.init(uuidString:))
        else { throw BenchError("signup answered \(response.status)") }
        return (token, workspace)
    }

    static func seed(_ count: Int, workspace: UUID, pool: PostgresClient, logger: Logger) async throws -> [UUID] {
        let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: workspace)
        let recordset = try await db.value(UUID.self, "INSERT INTO \(db.table("recordsets")) (name, slug) VALUES ('bench', 'bench') RETURNING id", logger: logger)
        var ids: [UUID] = []
        for row in try await db.run("""
            INSERT INTO \(db.table("records")) (recordset_id, data)
            SELECT \(recordset), jsonb_build_object('n', n, 'name', 'Record ' || n, 'stage', 'lead') FROM generate_series(1, \(count)) AS n
            RETURNING id
            """, logger: logger) { ids.append(try row.decode(UUID.self)) }
        return ids
    }

    static func wrkScript(ids: [UUID], credential: (name: String, value: String), workspace: UUID, pauseMs: Int? = nil) throws -> URL {
        let list = ids.map { "\"\($0.uuidString.lowercased())\"" }.joined(separator: ",")
        let lua = """
            local ids = {\(list)}
            wrk.headers["\(credential.name)"] = "\(credential.value)"
            wrk.headers["X-Workspace-Id"] = "\(workspace.uuidString.lowercased())"
            request = function()
              return wrk.format("GET", "/api/v1/records/" .. ids[math.random(#ids)])
            end
            """ + (pauseMs.map { "\ndelay = function() return \($0) end" } ?? "")
        let file = FileManager.default.temporaryDirectory.appending(path: "bench-read-\(UUID().uuidString).lua")
        try lua.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
