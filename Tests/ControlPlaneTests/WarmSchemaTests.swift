@_spi(TenantProvisioning) import PlatformCore
import Foundation
import Logging
import Migrator
import PlatformTesting
import PostgresNIO
import Testing

/// The worker keeps tenant schemas made ahead of signups; a signup renames one to its workspace's
/// schema, the pool refills, and the fan-out migrates the ones waiting.
@Suite struct WarmSchemaTests {
    let logger = TestDatabase.logger

    /// The ready warm schemas: id and the schema's oid.
    func ready(_ platform: TestPlatform) async throws -> [(id: UUID, oid: Int)] {
        try await platform.withDatabase { db in
            var found: [(id: UUID, oid: Int)] = []
            for row in try await db.run("""
                SELECT w.id, n.oid::int AS oid FROM control.warm_schemas w
                JOIN pg_namespace n ON n.nspname = 'warm_' || replace(w.id::text, '-', '')
                WHERE w.ready ORDER BY w.created_at
                """, logger: logger) {
                let (id, oid) = try row.decode((UUID, Int).self)
                found.append((id, oid))
            }
            return found
        }
    }

    func waitForReady(_ platform: TestPlatform, count: Int) async throws -> [(id: UUID, oid: Int)] {
        let found = try await eventually(within: .seconds(120)) { try await ready(platform) } until: { $0.count == count }
        try #require(found.count == count, "\(found.count) of \(count) warm schemas ready")
        return found
    }

    @Test func aSignupTakesAWarmSchemaAndThePoolRefills() async throws {
        try await TestPlatform.run(seeded: false, configure: { $0.warmSchemas = 2 }) { client, platform in
            let warm = try await waitForReady(platform, count: 2)
            let owner = try await client.signUp("warm", company: "Warm Co")
            let (oid, version, files) = try await platform.withDatabase { db in
                let schema = SchemaName.tenant(owner.workspaceID)
                let oid = try await db.value(Int.self, "SELECT oid::int FROM pg_namespace WHERE nspname = \(schema.name)", logger: logger)
                let version = try await db.value(Int.self, "SELECT schema_version FROM control.workspaces WHERE id = \(owner.workspaceID)", logger: logger)
                let files = try await db.value(Int.self, "SELECT count(*)::int FROM \(schema.table("schema_migrations"))", logger: logger)
                return (oid, version, files)
            }
            #expect(oid == warm[0].oid, "the oldest warm schema, renamed")
            #expect(version == MigrationCatalog.embedded.latestTenantVersion)
            #expect(files == MigrationCatalog.embedded.tenant.count)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: owner.headers()).status == .ok)
            #expect(try await client.request(.get, "/api/v1/members", headers: owner.headers()).json["total"]?.intValue == 1)
            // Writes run the schema's triggers, whose functions were made under the warm name.
            let recordset = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Leads"], headers: owner.headers())
            #expect(recordset.status == .created, "\(recordset.text)")
            let record = try await client.request(
                .post, "/api/v1/records", json: ["recordset_id": recordset.json["id"] ?? .null, "data": ["n": 1]], headers: owner.headers())
            #expect(record.status == .created, "\(record.text)")
            let stale = try await platform.withDatabase { db in
                try await db.value(Int.self, """
                    SELECT count(*)::int FROM pg_proc p, unnest(p.proconfig) AS setting
                    WHERE p.pronamespace = \(SchemaName.tenant(owner.workspaceID).name)::regnamespace AND setting LIKE '%warm\\_%'
                    """, logger: logger)
            }
            #expect(stale == 0, "no function keeps the warm schema's name in its search_path")

            let refilled = try await waitForReady(platform, count: 2)
            #expect(!refilled.contains { $0.id == warm[0].id })
            #expect(refilled.contains { $0.id == warm[1].id })
        }
    }

    /// Before claims repointed them, a claimed schema's functions kept the warm name; tenant
    /// migration 0013, fanned out like any file, repairs such a schema.
    @Test func aSchemaClaimedBeforeTheRepairIsRepairedByTheFanOut() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let owner = try await client.signUp("early", company: "Early Co")
            let schema = SchemaName.tenant(owner.workspaceID)
            let repair = try #require(MigrationCatalog.embedded.tenant.first { $0.name == "function_search_paths" })
            try await platform.withDatabase { db in
                // As such a schema was left: its functions looking in a schema that is gone, and
                // the repair not yet applied.
                try await db.query(PostgresQuery(unsafeSQL: """
                    DO $$ DECLARE function regprocedure; BEGIN
                        FOR function IN SELECT p.oid::regprocedure FROM pg_proc p
                            WHERE p.pronamespace = '\(schema.name)'::regnamespace AND p.proconfig IS NOT NULL
                        LOOP EXECUTE format('ALTER FUNCTION %s SET search_path = warm_gone', function); END LOOP;
                    END $$
                    """), logger: logger)
                try await db.query("DELETE FROM \(schema.table("schema_migrations")) WHERE version = \(repair.version)", logger: logger)
                try await db.query("UPDATE control.workspaces SET schema_version = \(repair.version - 1) WHERE id = \(owner.workspaceID)", logger: logger)
                await #expect(throws: PSQLError.self) {
                    try await db.query("INSERT INTO \(schema.table("recordsets")) (name) VALUES ('broken')", logger: logger)
                }
                let report = try await Migrator(client: db, logger: logger).migrateTenants(concurrency: 1)
                #expect(report.failures.isEmpty && report.succeeded == 1)
            }
            let recordset = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Leads"], headers: owner.headers())
            #expect(recordset.status == .created, "\(recordset.text)")
        }
    }

    @Test func withoutAWarmSchemaASignupMakesItsOwn() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let owner = try await client.signUp("cold", company: "Cold Co")
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: owner.headers()).status == .ok)
            #expect(try await ready(platform).isEmpty)
        }
    }

    @Test func theFanOutMigratesWarmSchemasAndOnlyCurrentOnesAreTaken() async throws {
        try await TestPlatform.run(seeded: false, configure: { $0.warmSchemas = 1 }) { client, platform in
            let warm = try await waitForReady(platform, count: 1)
            let next = MigrationCatalog.embedded.latestTenantVersion + 1
            let later = try MigrationCatalog.embedded.appendingTenant(Migration(version: next, name: "warm_probe", sql: "CREATE TABLE warm_probe (a int);"))
            try await platform.withDatabase { db in
                let migrator = Migrator(client: db, catalog: later, logger: logger)
                // Behind the newer catalog, the warm schema is not taken by its signups...
                let taken = try await db.withTransaction(logger: logger) { connection in
                    try await migrator.claimWarmSchema(for: UUID(), on: connection, logger: logger)
                }
                #expect(!taken)
                // ...until the fan-out brings it up to date.
                _ = try await migrator.migrateTenants(concurrency: 2)
                #expect(try await db.value(Int.self, "SELECT version FROM control.warm_schemas WHERE id = \(warm[0].id)", logger: logger) == next)
                #expect(try await db.value(Bool.self, "SELECT to_regclass(\(SchemaName.warm(warm[0].id).quoted + ".warm_probe")) IS NOT NULL", logger: logger) == true)
            }
        }
    }
}
