import Foundation
import Logging
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing
@testable import Migrator

@Suite struct MigratorTests {
    let logger = TestDatabase.logger
    /// The version of the file these tests add after the real tenant migrations.
    static let extra = MigrationCatalog.embedded.latestTenantVersion + 1
    static let extraFile = String(format: "%04d_extra.sql", extra)

    /// Registers `count` active workspaces whose schemas do not exist yet.
    func makeWorkspaces(_ count: Int, client: PostgresClient) async throws -> [UUID] {
        let ids = (0..<count).map { _ in UUID() }
        for id in ids {
            try await client.query("""
                INSERT INTO control.workspaces (id, name, slug, status, schema_name)
                VALUES (\(id), 'w', \(id.uuidString), 'active', \(SchemaName.tenant(id).name))
                """, logger: logger)
        }
        return ids
    }

    func versions(_ client: PostgresClient) async throws -> [UUID: Int] {
        var versions: [UUID: Int] = [:]
        for try await (id, version) in try await client.query("SELECT id, schema_version FROM control.workspaces", logger: logger).decode((UUID, Int).self) {
            versions[id] = version
        }
        return versions
    }

    func appliedVersions(_ schema: SchemaName, _ client: PostgresClient) async throws -> [Int] {
        try await client.query("SELECT version FROM \(schema.table("schema_migrations")) ORDER BY version", logger: logger)
            .collect().map { try $0.decode(Int.self) }
    }

    func catalog(adding sql: String, version: Int = MigratorTests.extra, name: String = "extra") throws -> MigrationCatalog {
        try MigrationCatalog.embedded.appendingTenant(Migration(version: version, name: name, sql: sql))
    }

    @Test func fanOutMigratesEveryTenantAndARerunIsANoOp() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let ids = try await makeWorkspaces(5, client: client)
                let migrator = Migrator(client: client, logger: logger)
                let first = try await migrator.migrateTenants(concurrency: 3)
                #expect(first.candidates == 5)
                #expect(first.succeeded == 5)
                #expect(first.appliedFiles == 5 * MigrationCatalog.embedded.tenant.count)
                #expect(first.failures.isEmpty)
                for id in ids {
                    #expect(try await appliedVersions(.tenant(id), client) == MigrationCatalog.embedded.tenant.map(\.version))
                }
                let second = try await migrator.migrateTenants(concurrency: 3)
                #expect(second.candidates == 0)
                #expect(second.appliedFiles == 0)
                #expect(try await migrator.migrateControl().isEmpty)
                #expect(try await migrator.plan().tenants.isEmpty)
            }
        }
    }

    @Test func aChangedFileIsRefusedByNameAndNothingRuns() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let ids = try await makeWorkspaces(2, client: client)
                _ = try await Migrator(client: client, catalog: try catalog(adding: "CREATE TABLE extra (a int);"), logger: logger)
                    .migrateTenants(concurrency: 2)
                let edited = try catalog(adding: "CREATE TABLE extra (a int, b int);")
                    .appendingTenant(Migration(version: MigratorTests.extra + 1, name: "later", sql: "CREATE TABLE later (a int);"))
                let error = await #expect(throws: MigrationError.self) {
                    try await Migrator(client: client, catalog: edited, logger: logger).migrateTenants(concurrency: 2)
                }
                #expect(error == .checksumMismatch(schema: "tenant schemas", file: MigratorTests.extraFile))
                #expect("\(error!)".contains(MigratorTests.extraFile))
                for id in ids { #expect(try await appliedVersions(.tenant(id), client) == Array(1...MigratorTests.extra)) }

                // The per-schema check catches it too, e.g. for the control schema's own files.
                let control = MigrationCatalog.embedded.control
                var changed = control
                changed[0] = Migration(version: control[0].version, name: control[0].name, sql: control[0].sql + "\n-- edited")
                let controlError = await #expect(throws: MigrationError.self) {
                    try await Migrator(client: client, catalog: try MigrationCatalog(control: changed, tenant: []), logger: logger).migrateControl()
                }
                #expect(controlError == .checksumMismatch(schema: "control", file: control[0].fileName))
            }
        }
    }

    @Test func twoMigratorsAtOnceEndCorrect() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, maximumConnections: 12, logger: logger) { client in
                let ids = try await makeWorkspaces(12, client: client)
                let catalog = try catalog(adding: "CREATE TABLE extra (a int); INSERT INTO extra VALUES (1);")
                async let first = Migrator(client: client, catalog: catalog, logger: logger).migrateTenants(concurrency: 4)
                async let second = Migrator(client: client, catalog: catalog, logger: logger).migrateTenants(concurrency: 4)
                let reports = try await [first, second]
                #expect(reports.allSatisfy { $0.failures.isEmpty }, "\(reports.flatMap(\.failures).map(\.error))")
                // Every file was applied exactly once per schema, whichever migrator got there first.
                #expect(reports.map(\.appliedFiles).reduce(0, +) == ids.count * MigratorTests.extra)
                for id in ids {
                    #expect(try await appliedVersions(.tenant(id), client) == Array(1...MigratorTests.extra))
                    let rows = try await client.query("SELECT count(*)::int FROM \(SchemaName.tenant(id).table("extra"))", logger: logger)
                        .collect().first!.decode(Int.self)
                    #expect(rows == 1)
                }
                #expect(try await versions(client).values.allSatisfy { $0 == MigratorTests.extra })
            }
        }
    }

    @Test func oneFailingTenantDoesNotStopTheOthersAndResumes() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let ids = try await makeWorkspaces(4, client: client)
                let migrator = Migrator(client: client, logger: logger)
                _ = try await migrator.migrateTenants(concurrency: 2)
                let broken = ids[2]
                try await client.query("CREATE TABLE \(SchemaName.tenant(broken).table("fail_here")) (x int)", logger: logger)
                let catalog = try catalog(adding: """
                    DO $$ BEGIN
                        IF to_regclass('fail_here') IS NOT NULL THEN RAISE EXCEPTION 'tenant cannot take this'; END IF;
                    END $$;
                    CREATE TABLE extra (a int);
                    """)
                let report = try await Migrator(client: client, catalog: catalog, logger: logger).migrateTenants(concurrency: 2)
                #expect(report.candidates == 4)
                #expect(report.succeeded == 3)
                #expect(report.failures.map(\.workspaceID) == [broken])
                let versions = try await versions(client)
                #expect(versions[broken] == MigratorTests.extra - 1)
                #expect(ids.filter { $0 != broken }.allSatisfy { versions[$0] == MigratorTests.extra })
                let status = try await Migrator(client: client, catalog: catalog, logger: logger).status()
                let brokenStatus = try #require(status.first { $0.workspaceID == broken })
                #expect(brokenStatus.pending == [MigratorTests.extraFile])
                #expect(brokenStatus.lastError?.contains("tenant cannot take this") == true)
                // The failed file left nothing behind, and once the cause is gone a re-run resumes.
                #expect(try await client.query("SELECT to_regclass(\(SchemaName.tenant(broken).quoted + ".extra")) IS NULL", logger: logger).collect().first!.decode(Bool.self))
                try await client.query("DROP TABLE \(SchemaName.tenant(broken).table("fail_here"))", logger: logger)
                let resumed = try await Migrator(client: client, catalog: catalog, logger: logger).migrateTenants(concurrency: 2)
                #expect(resumed.candidates == 1)
                #expect(resumed.succeeded == 1)
                #expect(try await self.versions(client)[broken] == MigratorTests.extra)
                let after = try await Migrator(client: client, catalog: catalog, logger: logger).status()
                #expect(after.first { $0.workspaceID == broken }?.lastError == nil)
            }
        }
    }

    @Test func noTransactionFilesRunOutsideATransactionAndLeaveTheSessionClean() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, maximumConnections: 1, logger: logger) { client in
                let ids = try await makeWorkspaces(2, client: client)
                let catalog = try catalog(adding: "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY records_by_data ON records USING gin (data);")
                let report = try await Migrator(client: client, catalog: catalog, logger: logger).migrateTenants(concurrency: 1)
                #expect(report.failures.isEmpty)
                for id in ids {
                    let exists = try await client.query(
                        "SELECT to_regclass(\(SchemaName.tenant(id).quoted + ".records_by_data")) IS NOT NULL", logger: logger
                    ).collect().first!.decode(Bool.self)
                    #expect(exists)
                }
                // The single pooled connection's search_path was reset afterwards.
                let path = try await client.query("SHOW search_path", logger: logger).collect().first!.decode(String.self)
                #expect(!path.contains("ws_"))
            }
        }
    }

    @Test func dryRunReportsAndChangesNothing() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let ids = try await makeWorkspaces(3, client: client)
                let plan = try await Migrator(client: client, logger: logger).plan()
                #expect(plan.control.isEmpty)
                #expect(Set(plan.tenants.map(\.workspaceID)) == Set(ids))
                #expect(plan.tenants.allSatisfy { $0.pending == MigrationCatalog.embedded.tenant.map(\.fileName) })
                let schemas = try await client.query("SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'ws\\_%'", logger: logger)
                    .collect().first!.decode(Int.self)
                #expect(schemas == 0)
            }
        }
    }

    @Test func aFreshSchemaGetsTheBaselineInOneTransactionAndEndsAsIfReplayed() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let ids = try await makeWorkspaces(2, client: client)
                let files = MigrationCatalog.embedded.tenant
                let migrator = Migrator(client: client, logger: logger)
                #expect(try await migrator.migrateTenant(workspaceID: ids[0], logger: logger) == files.map(\.fileName))
                // One file first, so the rest are replayed file by file.
                let firstOnly = Migrator(client: client, catalog: try MigrationCatalog(control: [], tenant: [files[0]]), logger: logger)
                _ = try await firstOnly.migrateTenant(workspaceID: ids[1], logger: logger)
                #expect(try await migrator.migrateTenant(workspaceID: ids[1], logger: logger) == files.dropFirst().map(\.fileName))

                let transactions = { (id: UUID) in
                    try await client.query("SELECT count(DISTINCT applied_at)::int FROM \(SchemaName.tenant(id).table("schema_migrations"))", logger: logger)
                        .collect().first!.decode(Int.self)
                }
                #expect(try await transactions(ids[0]) == 1)
                #expect(try await transactions(ids[1]) == files.count)
                for id in ids {
                    #expect(try await appliedVersions(.tenant(id), client) == files.map(\.version))
                }
                #expect(try await versions(client)[ids[0]] == files.last!.version)
                let baseline = try await fingerprint(.tenant(ids[0]), client)
                #expect(baseline.count > 200)
                #expect(baseline == (try await fingerprint(.tenant(ids[1]), client)))
            }
        }
    }

    @Test func aBaselineThatFailsIsReplayedFileByFileAndNamesTheFile() async throws {
        try await TestDatabase.withDatabase(seeded: false) { url in
            try await PlatformServer.withClient(url, logger: logger) { client in
                let id = try await makeWorkspaces(1, client: client)[0]
                let broken = try catalog(adding: "CREATE TABLE extra (a int REFERENCES no_such_table (id));")
                let migrator = Migrator(client: client, catalog: broken, logger: logger)
                await #expect(throws: (any Error).self) { try await migrator.migrateTenant(workspaceID: id, logger: logger) }
                #expect(try await appliedVersions(.tenant(id), client) == MigrationCatalog.embedded.tenant.map(\.version))
                #expect(try await versions(client)[id] == MigrationCatalog.embedded.latestTenantVersion)
            }
        }
    }

    /// Every column, relation, index, constraint, function and trigger of `schema`, its name replaced by `S`.
    func fingerprint(_ schema: SchemaName, _ client: PostgresClient) async throws -> [String] {
        let name = schema.name
        let rows = try await client.query("""
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                   || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE c.relnamespace = \(name)::regnamespace
            UNION ALL SELECT 'relation ' || relname || ' ' || relkind::text || ' ' || coalesce(reloptions::text, '') || ' ' || coalesce(relacl::text, '')
            FROM pg_class WHERE relnamespace = \(name)::regnamespace
            UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = \(name)::regnamespace
            UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = \(name)::regnamespace
            UNION ALL SELECT 'function ' || pg_get_functiondef(oid) || ' ' || coalesce(proacl::text, '') FROM pg_proc WHERE pronamespace = \(name)::regnamespace
            UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = \(name)::regnamespace AND NOT t.tgisinternal
            """, logger: logger)
        return try await rows.collect().map { try $0.decode(String.self).replacingOccurrences(of: name, with: "S") }.sorted()
    }
}
