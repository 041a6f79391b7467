import ArgumentParser
import Foundation
import Logging
import Migrator
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PostgresNIO

/// Fans one new tenant migration out over N tenants with the Migrator, beside the same SQL run
/// raw on as many persistent connections as tenants are migrated at once; also times a no-op run.
struct BenchMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Fan-out of one new tenant migration, beside raw per-tenant SQL.")

    @Option(help: "Tenant schemas.") var tenants = 1000
    @Option(help: "Schemas migrated at once (the same for the baseline).") var concurrency = 4

    static func newMigration(column: String) -> Migration {
        Migration(version: 9000, name: "bench_\(column)", sql: """
            ALTER TABLE records ADD COLUMN \(column) text;
            CREATE INDEX records_\(column) ON records (\(column)) WHERE deleted_at IS NULL;
            """)
    }

    static let columns = ["raw_note", "bench_note"]

    /// Takes both runs' columns (and their indexes) out of every tenant that has them, with the new
    /// migration's row, and sets the workspaces back to the catalogue's version.
    static func undo(_ url: DatabaseURL, concurrency: Int, logger: Logger) async throws {
        try await PlatformServer.withClient(url, maximumConnections: concurrency, logger: logger) { pool in
            let schemas = try await pool.run("""
                SELECT DISTINCT w.id FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN control.workspaces w ON w.schema_name = n.nspname
                WHERE c.relname = 'records' AND a.attname = ANY(\(columns)) AND NOT a.attisdropped
                """, logger: logger).map { SchemaName.tenant(try $0.decode(UUID.self)) }
            guard !schemas.isEmpty else { return }
            Bench.progress("bench migrate: taking the benchmark's columns out of \(schemas.count) tenants")
            let drops = columns.map { "DROP COLUMN IF EXISTS \($0)" }.joined(separator: ", ")
            _ = try await Bench.timeEach(schemas, concurrency: concurrency) { schema in
                try await Bench.rawApply(["ALTER TABLE records \(drops)", "DELETE FROM schema_migrations WHERE version = 9000"],
                                         schema: schema, createSchema: false, on: pool, logger: logger)
            }
            try await pool.execute("""
                UPDATE control.workspaces SET schema_version = \(MigrationCatalog.embedded.latestTenantVersion)
                WHERE schema_version > \(MigrationCatalog.embedded.latestTenantVersion)
                """, logger: logger)
        }
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        let tenants = self.tenants, concurrency = self.concurrency
        try await Bench.withTenants(tenants, concurrency: concurrency, server: base.database, logger: quiet, undo: { url, _ in
            try await Self.undo(url, concurrency: concurrency, logger: quiet)
        }) { url, ids, setup in
            try await PlatformServer.withClient(url, maximumConnections: concurrency + 2, logger: quiet) { client in

                // Raw first, on its own column, so both runs find the same table shapes.
                let rawStatements = Self.newMigration(column: "raw_note").statements
                let raw = try await Bench.withRawPool(url, connections: concurrency, logger: quiet) { pool in
                    try await Bench.timeEach(ids, concurrency: concurrency) { id in
                        try await Bench.rawApply(rawStatements, schema: .tenant(id), createSchema: false, on: pool, logger: quiet)
                    }
                }

                let catalog = try MigrationCatalog.embedded.appendingTenant(Self.newMigration(column: "bench_note"))
                let migrator = Migrator(client: client, catalog: catalog, logger: quiet)
                let started = ContinuousClock.now
                let report = try await migrator.migrateTenants(concurrency: concurrency)
                let platformWall = (ContinuousClock.now - started).inSeconds
                guard report.failures.isEmpty, report.succeeded == tenants else {
                    throw BenchError("fan-out failed for \(report.failures.count) tenants: \(report.failures.first?.error ?? "")")
                }
                let noOpStart = ContinuousClock.now
                let noOp = try await migrator.migrateTenants(concurrency: concurrency)
                let noOpWall = (ContinuousClock.now - noOpStart).inSeconds

                print("bench migrate: one new tenant migration over \(tenants) tenants, \(concurrency) at once")
                print("  (setup: \(setup))")
                print(Bench.row(["", "platform", "raw postgres", "ratio"]))
                print(Bench.row(["fan-out wall time", String(format: "%.2f s", platformWall), String(format: "%.2f s", raw.wall), Bench.ratio(platformWall, raw.wall)]))
                let ours = Double(tenants) / platformWall, theirs = Double(tenants) / raw.wall
                print(Bench.row(["tenants/s", String(format: "%.0f", ours), String(format: "%.0f", theirs), Bench.ratio(theirs, ours)]))
                print(Bench.row(["no-op re-run", Bench.ms(noOpWall), "-", "-"]) + "(\(noOp.candidates) behind)")
                print("(ratios: platform over raw; above 1 means slower than raw)")
            }
        }
    }
}
