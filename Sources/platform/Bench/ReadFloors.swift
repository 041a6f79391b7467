import Foundation
import Logging
import PlatformCore
import PlatformServer
import PostgresNIO

/// What the two halves of a platform read cost alone, measured in the same run as `bench read`: the
/// HTTP stack answering `GET /health` (no credential, no database), and PostgresNIO running
/// pgbench's own prepared SELECT on as many persistent connections. A read pays both, so together
/// they bound what any handler on this stack could reach on this machine.
struct ReadFloors: Sendable {
    let http: Double
    let driver: Double

    /// Requests per second of a read that paid both floors and nothing else (their costs add up).
    var bound: Double { 1 / (1 / http + 1 / driver) }

    /// `GET /health` under wrk: the HTTP stack's own rate.
    static func http(port: Int, connections: Int, threads: Int, seconds: Int) throws -> Double {
        let script = FileManager.default.temporaryDirectory.appending(path: "bench-health-\(UUID().uuidString).lua")
        try #"request = function() return wrk.format("GET", "/health") end"#.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        return try Bench.runWrk(url: "http://127.0.0.1:\(port)", script: script, connections: connections, threads: threads, seconds: seconds)
            .requestsPerSecond
    }

    /// pgbench's `-S` statement through PostgresNIO's pool, prepared, `connections` callers at once.
    static func driver(url: DatabaseURL, connections: Int, seconds: Int, logger: Logger) async throws -> Double {
        try await PlatformServer.withClient(url, maximumConnections: connections, logger: logger) { client in
            let deadline = ContinuousClock.now + .seconds(seconds)
            let started = ContinuousClock.now
            let done = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        var count = 0
                        while ContinuousClock.now < deadline {
                            try await client.withConnection { connection in
                                for try await _ in try await connection.execute(AccountBalance(aid: .random(in: 1...1_000_000)), logger: logger) {}
                            }
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            return Double(done) / (ContinuousClock.now - started).inSeconds
        }
    }

    private struct AccountBalance: PostgresPreparedStatement {
        static let sql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"
        typealias Row = Int32
        let aid: Int32

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(aid)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int32 { try row.decode(Int32.self) }
    }
}
