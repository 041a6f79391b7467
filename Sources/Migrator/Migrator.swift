import Foundation
import Logging
@_spi(TenantProvisioning) import PlatformCore
import PostgresNIO

/// The migrator: the control schema first, then every tenant schema, each with its own state.
public struct Migrator: TenantMigrating {
    public let catalog: MigrationCatalog
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, catalog: MigrationCatalog = .embedded, logger: Logger) {
        self.client = client
        self.catalog = catalog
        self.logger = logger
    }

    public var latestTenantVersion: Int { catalog.latestTenantVersion }

    /// Applies pending control migrations; returns what it applied.
    @discardableResult
    public func migrateControl(onEvent: @escaping @Sendable (MigrationEvent) -> Void = { _ in }) async throws -> [Migration] {
        try await schemaMigrator(logger).apply(catalog.control, to: .control) { migration, ms in
            onEvent(.applied(schema: SchemaName.control.name, file: migration.fileName, durationMs: ms))
        }
    }

    /// Brings one workspace's schema up to date (provisioning and single-workspace migrations).
    @discardableResult
    public func migrateTenant(workspaceID: UUID, logger: Logger) async throws -> [String] {
        try await verifyTenantFiles()
        return try await schemaMigrator(logger).apply(catalog.tenant, to: .tenant(workspaceID)).map(\.fileName)
    }

    /// The schema, its `schema_migrations` table and the tenant role's grants, before any file runs.
    public func createTenantSchema(workspaceID: UUID, logger: Logger) async throws {
        try await schemaMigrator(logger).prepare(.tenant(workspaceID))
    }

    public func dropTenantSchema(workspaceID: UUID, logger: Logger) async throws {
        try await client.execute("DROP SCHEMA IF EXISTS \(identifier: SchemaName.tenant(workspaceID)) CASCADE", logger: logger)
    }

    public func schemaName(of workspaceID: UUID) -> String { SchemaName.tenant(workspaceID).name }

    public func pendingTenantFiles(after version: Int) -> [String] {
        catalog.tenant.filter { $0.version > version }.map(\.fileName)
    }

    /// Fans the tenant migrations out over every workspace that is behind. A no-op run is one query.
    public func migrateTenants(
        concurrency: Int, onEvent: @escaping @Sendable (MigrationEvent) -> Void = { _ in }
    ) async throws -> FanOutReport {
        let started = ContinuousClock.now
        try await verifyTenantFiles()
        let behind = try await workspacesBehind()
        let outcomes = FanOutOutcomes()
        let queue = WorkQueue(behind)
        let migrator = schemaMigrator(logger)
        let files = catalog.tenant
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, min(concurrency, behind.count)) {
                group.addTask {
                    while let workspaceID = await queue.next() {
                        let schema = SchemaName.tenant(workspaceID).name
                        do {
                            let applied = try await migrator.apply(files, to: .tenant(workspaceID)) { migration, ms in
                                onEvent(.applied(schema: schema, file: migration.fileName, durationMs: ms))
                            }
                            await outcomes.succeeded(appliedFiles: applied.count)
                            onEvent(.schemaDone(schema: schema, appliedFiles: applied.count))
                        } catch {
                            let message = Self.describe(error)
                            await outcomes.failed(workspaceID, message)
                            try? await recordFailure(workspaceID, message)
                            onEvent(.schemaFailed(schema: schema, error: message))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await migrateWarmSchemas(onEvent: onEvent)
        return await outcomes.report(candidates: behind.count, duration: ContinuousClock.now - started)
    }

    /// What a run would do, changing nothing.
    public func plan() async throws -> MigrationPlan {
        let control = try await schemaMigrator(logger).pending(catalog.control, in: .control)
        let controlExists = try await controlSchemaExists()
        var tenants: [MigrationPlan.TenantPlan] = []
        if controlExists {
            let rows = try await client.run("""
                SELECT id, schema_version FROM control.workspaces
                WHERE schema_version < \(catalog.latestTenantVersion) AND status IN ('active', 'suspended')
                ORDER BY created_at
                """, logger: logger)
            for (id, version) in try rows.map({ try $0.decode((UUID, Int).self) }) {
                tenants.append(.init(workspaceID: id, currentVersion: version, pending: catalog.tenant.filter { $0.version > version }.map(\.fileName)))
            }
        }
        return MigrationPlan(control: control.map(\.fileName), tenants: tenants)
    }

    /// Per schema: current version, pending files, last error.
    public func status() async throws -> [SchemaStatus] {
        let pendingControl = try await schemaMigrator(logger).pending(catalog.control, in: .control)
        let appliedControl = catalog.control.filter { file in !pendingControl.contains { $0.version == file.version } }
        var statuses = [SchemaStatus(
            schema: SchemaName.control.name, workspaceID: nil, version: appliedControl.last?.version ?? 0,
            pending: pendingControl.map(\.fileName), lastError: nil)]
        guard try await controlSchemaExists() else { return statuses }
        let rows = try await client.run("""
            SELECT id, schema_version, last_migration_error FROM control.workspaces
            WHERE status <> 'archived' ORDER BY created_at
            """, logger: logger)
        for (id, version, lastError) in try rows.map({ try $0.decode((UUID, Int, String?).self) }) {
            statuses.append(SchemaStatus(
                schema: SchemaName.tenant(id).name, workspaceID: id, version: version,
                pending: catalog.tenant.filter { $0.version > version }.map(\.fileName), lastError: lastError))
        }
        return statuses
    }

    // MARK: - Internals

    func schemaMigrator(_ logger: Logger) -> SchemaMigrator {
        SchemaMigrator(client: client, logger: logger)
    }

    private func workspacesBehind() async throws -> [UUID] {
        let rows = try await client.run("""
            SELECT id FROM control.workspaces
            WHERE schema_version < \(catalog.latestTenantVersion) AND status IN ('active', 'suspended')
            ORDER BY created_at
            """, logger: logger)
        return try rows.map { try $0.decode(UUID.self) }
    }

    /// Refuses to run when a tenant file differs from the one first fanned out; records new files.
    /// What an operator reads of a failed migration: PostgreSQL's own message when there is one
    /// (PostgresNIO's description of its errors hides it).
    static func describe(_ error: any Error) -> String {
        guard let server = (error as? PSQLError)?.serverInfo, let message = server[.message] else { return "\(error)" }
        return [server[.sqlState], message, server[.detail]].compactMap { $0 }.joined(separator: ": ")
    }

    func verifyTenantFiles() async throws {
        let rows = try await client.run("SELECT version, checksum FROM control.tenant_migrations", logger: logger)
        var recorded: [Int: String] = [:]
        for row in rows { let (version, checksum) = try row.decode((Int, String).self); recorded[version] = checksum }
        for migration in catalog.tenant {
            if let checksum = recorded[migration.version], checksum != migration.checksum {
                throw MigrationError.checksumMismatch(schema: "tenant schemas", file: migration.fileName)
            }
        }
        let new = catalog.tenant.filter { recorded[$0.version] == nil }
        guard !new.isEmpty else { return }
        try await client.execute("""
            INSERT INTO control.tenant_migrations (version, name, checksum)
            SELECT * FROM unnest(\(new.map(\.version))::int8[], \(new.map(\.name))::text[], \(new.map(\.checksum))::text[])
            ON CONFLICT (version) DO NOTHING
            """, logger: logger)
    }

    private func recordFailure(_ workspaceID: UUID, _ message: String) async throws {
        try await client.execute(
            "UPDATE control.workspaces SET last_migration_error = \(message), updated_at = now() WHERE id = \(workspaceID)",
            logger: logger)
    }

    private func controlSchemaExists() async throws -> Bool {
        try await client.value(Bool.self, "SELECT to_regclass('control.workspaces') IS NOT NULL", logger: logger) ?? false
    }
}
