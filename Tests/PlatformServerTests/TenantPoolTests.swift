@_spi(TenantProvisioning) import PlatformCore
import Foundation
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing

/// Tenant statements run as prepared statements of their pooled connection, and connections are
/// retired after a number of distinct schemas, an age, or a statement PostgreSQL could not plan.
@Suite struct TenantPoolTests {
    let logger = TestDatabase.logger

    /// One connection, so every statement below meets the statements prepared before it.
    func withPools<T: Sendable>(
        _ platform: TestPlatform, recycling: ConnectionRecycling = ConnectionRecycling(),
        _ body: @Sendable (TenantPools) async throws -> T
    ) async throws -> T {
        try await PlatformServer.withClient(platform.config.tenantDatabase, maximumConnections: 1, logger: logger) { client in
            try await body(TenantPools([TenantPools.primary: client], recycling: recycling))
        }
    }

    @Test func statementsArePreparedOncePerTextAndBindingTypes() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await withPools(platform) { pools in
                let db = try pools.database(workspaceID: alice.workspaceID)
                for _ in 0..<3 {
                    #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("members"))", logger: logger) == 1)
                }
                let prepared = try await db.all(
                    Prepared.self, "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%count(*)::int FROM%members%' AND statement NOT LIKE '%pg_prepared%'", logger: logger)
                #expect(prepared.count == 1, "three runs of one text, one prepared statement")

                // A nil binds as "unspecified", so PostgreSQL types it by inference (int4 here); an
                // Int binds as int8. Were the types not part of the statement's key, the second run
                // would send eight bytes to a four-byte parameter and fail.
                let none: Int? = nil
                #expect(try await db.value(Int.self, "SELECT coalesce(\(none)::int4, 0)::int", logger: logger) == 0)
                let some: Int? = 41
                #expect(try await db.value(Int.self, "SELECT coalesce(\(some)::int4, 0)::int", logger: logger) == 41)
                #expect(pools.stats[TenantPools.primary]?.connections == 1)
                #expect(pools.stats[TenantPools.primary]?.statements ?? 0 >= 4)
            }
        }
    }

    @Test func aConnectionIsRetiredAfterItsDistinctSchemas() async throws {
        try await TestPlatform.run { client, platform in
            try await withPools(platform, recycling: ConnectionRecycling(schemas: 3)) { pools in
                let workspaces = (0..<4).map { _ in UUID() }
                var pids: [Int] = []
                for workspace in workspaces + [workspaces[0]] {
                    let db = try pools.database(workspaceID: workspace)
                    pids.append(try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger) ?? 0)
                }
                #expect(pids[0] == pids[1] && pids[1] == pids[2], "one backend serves the first three schemas")
                #expect(pids[3] != pids[2], "the third schema retired it")
                #expect(pids[4] == pids[3], "a schema already seen elsewhere counts anew on the new connection")
                #expect(pools.stats[TenantPools.primary] == TenantPoolStats(connections: 1, schemas: 2, statements: 1))
            }
        }
    }

    @Test func aConnectionIsRetiredAtItsAge() async throws {
        try await TestPlatform.run { client, platform in
            try await withPools(platform, recycling: ConnectionRecycling(age: .seconds(3))) { pools in
                let db = try pools.database(workspaceID: UUID())
                let first = try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger)
                try await Task.sleep(for: .milliseconds(3_200))
                #expect(try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger) == first, "the statement that finds it due still runs on it")
                #expect(try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger) != first)
            }
        }
    }

    /// PostgresNIO remembers a failed preparation under the statement's name for the connection's
    /// life; retiring the connection lets the same statement work once its table exists.
    @Test func aStatementThatCouldNotBePlannedRetiresItsConnection() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await withPools(platform) { pools in
                let db = try pools.database(workspaceID: alice.workspaceID)
                let before = try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger)
                await #expect(throws: PSQLError.self) {
                    try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("arrives_later"))", logger: logger)
                }
                #expect(try await db.value(Int.self, "SELECT pg_backend_pid()", logger: logger) != before)
                let table = db.table("arrives_later").description
                try await platform.withDatabase { control in
                    try await control.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int)"), logger: logger)
                    try await control.query(PostgresQuery(unsafeSQL: "GRANT SELECT ON \(table) TO \(TenantPools.role)"), logger: logger)
                }
                #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("arrives_later"))", logger: logger) == 0)
            }
        }
    }

    struct Prepared: Row {
        let statement: String
        init(row: RowReader) throws { statement = try row("statement") }
    }
}
