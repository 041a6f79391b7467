@_spi(TenantProvisioning) import PlatformCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import PlatformServer
import PostgresNIO

/// Tenant reads through the whole stack (HTTP, JWT, workspace resolution, scoped handle, row
/// decoding, JSON) with wrk, beside `pgbench -S -M prepared` on the same server in the same run,
/// the same number of persistent connections on both sides.
struct BenchReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Tenant GET by id over HTTP (wrk), beside pgbench -S on the same server.")

    @Option(help: "Persistent connections, for wrk and pgbench alike (and the platform's pools).") var connections = 8
    @Option(help: "Seconds each load runs.") var duration = 10
    @Option(help: "Records to read at random.") var records = 1000
    @Option(help: "wrk threads and pgbench jobs.") var threads = 2

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        for tool in ["wrk", "pgbench"] where Bench.which(tool) == nil {
            throw ValidationError("\(tool) is not installed (apt-get install \(tool == "wrk" ? "wrk" : "postgresql-client"))")
        }
        let (connections, duration, records, threads) = (self.connections, self.duration, self.records, self.threads)
        try await Bench.withScratchDatabase(base.database, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.maximumConnections = connections
            let tenantDatabase = config.tenantDatabase
            let http = try await Bench.withPlatform(config, logger: quiet) { port in
                let (token, workspace) = try await Self.signUp(port: port)
                let ids = try await PlatformServer.withClient(tenantDatabase, maximumConnections: 1, logger: quiet) { pool in
                    try await Self.seed(records, workspace: workspace, pool: pool, logger: quiet)
                }
                let script = try Self.wrkScript(ids: ids, token: token, workspace: workspace)
                // wrk runs on a thread of its own, so the server keeps every cooperative thread.
                let target = "http://127.0.0.1:\(port)"
                _ = try await NIOThreadPool.singleton.runIfActive {
                    try Bench.runWrk(url: target, script: script, connections: connections, threads: threads, seconds: 2)
                }
                return try await NIOThreadPool.singleton.runIfActive {
                    try Bench.runWrk(url: target, script: script, connections: connections, threads: threads, seconds: duration)
                }
            }
            let raw = try await NIOThreadPool.singleton.runIfActive {
                try Bench.runPgbench(url: url, connections: connections, threads: threads, seconds: duration)
            }

            print("bench read: GET /api/v1/records/{id} over HTTP vs pgbench -S -M prepared, \(connections) connections, \(duration) s each")
            print(Bench.row(["", "platform", "raw postgres", "ratio"]))
            print(Bench.row(["requests/s", String(format: "%.0f", http.requestsPerSecond), String(format: "%.0f", raw.tps),
                             String(format: "%.2f", http.requestsPerSecond / raw.tps)]))
            print(Bench.row(["latency p50", http.p50, String(format: "%.3f ms (avg)", raw.averageMs), "-"]))
            print(Bench.row(["latency p99", http.p99, "-", "-"]))
            print(Bench.row(["non-2xx answers", String(http.errors), "-", "-"]))
            print("(ratio: platform's throughput as a share of raw PostgreSQL's; each HTTP read is two queries: workspace, record)")
        }
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
        let recordset = try await db.value(UUID.self, "INSERT INTO \(db.table("recordsets")) (name) VALUES ('bench') RETURNING id", logger: logger)
        var ids: [UUID] = []
        for try await id in try await db.run("""
            INSERT INTO \(db.table("records")) (recordset_id, data)
            SELECT \(recordset), jsonb_build_object('n', n, 'name', 'Record ' || n, 'stage', 'lead') FROM generate_series(1, \(count)) AS n
            RETURNING id
            """, logger: logger).decode(UUID.self) { ids.append(id) }
        return ids
    }

    static func wrkScript(ids: [UUID], token: String, workspace: UUID) throws -> URL {
        let list = ids.map { "\"\($0.uuidString.lowercased())\"" }.joined(separator: ",")
        let lua = """
            local ids = {\(list)}
            wrk.headers["Authorization"] = "Bearer \(token)"
            wrk.headers["X-Workspace-Id"] = "\(workspace.uuidString.lowercased())"
            request = function()
              return wrk.format("GET", "/api/v1/records/" .. ids[math.random(#ids)])
            end
            """
        let file = FileManager.default.temporaryDirectory.appending(path: "bench-read-\(UUID().uuidString).lua")
        try lua.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
