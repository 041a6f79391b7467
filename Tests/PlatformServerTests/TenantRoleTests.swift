@_spi(TenantProvisioning) import PlatformCore
import Foundation
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing

/// The tenant pools connect as a role that cannot touch `control`, so even SQL that named it
/// (which the architecture test forbids) would fail in the database.
@Suite struct TenantRoleTests {
    @Test func theTenantRoleUsesTenantSchemasAndNothingOfControl() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            #expect(platform.config.tenantDatabase.username == TenantPools.role)
            try await PlatformServer.withClient(platform.config.tenantDatabase, maximumConnections: 2, logger: TestDatabase.logger) { pool in
                let logger = TestDatabase.logger
                #expect(try await pool.value(String.self, "SELECT current_user::text", logger: logger) == TenantPools.role)
                let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: alice.workspaceID)
                #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("members"))", logger: logger) == 1)
                let recordset = try await db.value(UUID.self, "INSERT INTO \(db.table("recordsets")) (name, slug) VALUES ('by the role', 'by-the-role') RETURNING id", logger: logger)
                // The record triggers (versions, counts) run with the role's privileges too.
                try await db.execute("INSERT INTO \(db.table("records")) (recordset_id, data) VALUES (\(recordset), '{}') RETURNING id", logger: logger)
                #expect(try await db.value(Int.self, "SELECT record_count FROM \(db.table("recordsets")) WHERE id = \(recordset)", logger: logger) == 1)
                #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("record_versions"))", logger: logger) == 1)

                for sql in [
                    "SELECT count(*) FROM control.users", "SELECT count(*) FROM control.api_keys",
                    "UPDATE control.workspace_members SET role = 'owner'", "SELECT count(*) FROM control.jobs",
                ] {
                    await #expect(throws: PSQLError.self, "\(sql) must be refused") {
                        try await pool.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                    }
                }
                let history = db.table("schema_migrations")
                await #expect(throws: PSQLError.self, "the role may not rewrite migration history") {
                    try await db.execute("DELETE FROM \(history) RETURNING version", logger: logger)
                }
                #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(history)", logger: logger) ?? 0 >= 1)
                _ = bob
            }
        }
    }
}
