import Foundation
import Logging
@_spi(TenantProvisioning) import PlatformCore
import PostgresNIO

/// Tenant schemas made ahead of signups (`control.warm_schemas`), at the current tenant version and
/// under neutral names: a signup renames one to its workspace's schema in the transaction that
/// creates the workspace, so it waits for no DDL. A warm schema belongs to no workspace, so no
/// request can reach it.
extension Migrator {
    /// Makes one warm schema when fewer than `count` are ready or being made; false when there are
    /// enough. A maker that dies leaves a reservation that is dropped ten minutes later.
    public func makeWarmSchema(upTo count: Int, logger: Logger) async throws -> Bool {
        try await dropAbandonedWarmSchemas(logger: logger)
        let id = UUID()
        // Counting and reserving under the table's lock: two workers never make more than `count`.
        let reserved = try await client.transaction(logger: logger) { connection in
            try await connection.execute("LOCK TABLE control.warm_schemas IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            return try await connection.execute("""
                INSERT INTO control.warm_schemas (id) SELECT \(id)
                WHERE (SELECT count(*) FROM control.warm_schemas) < \(count) RETURNING id
                """, logger: logger) == 1
        }
        guard reserved else { return false }
        do {
            try await verifyTenantFiles()
            try await schemaMigrator(logger).apply(catalog.tenant, to: .warm(id))
            try await client.execute("UPDATE control.warm_schemas SET ready = true WHERE id = \(id) RETURNING id", logger: logger)
        } catch {
            // Stopping (the pools may be gone): the reservation is dropped as abandoned later.
            if !Task.isCancelled { try? await dropWarmSchema(id, logger: logger) }
            throw error
        }
        return true
    }

    /// In the transaction that creates `workspaceID`: takes the oldest ready warm schema at the
    /// current version, renames it to the workspace's schema and records the version. False when
    /// none is ready; the signup then makes its schema itself.
    public func claimWarmSchema(for workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard let id = try await connection.value(UUID.self, """
            DELETE FROM control.warm_schemas WHERE id = (
                SELECT id FROM control.warm_schemas WHERE ready AND version = \(latestTenantVersion)
                ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """, logger: logger)
        else { return false }
        try await connection.execute("ALTER SCHEMA \(identifier: .warm(id)) RENAME TO \(identifier: .tenant(workspaceID))", logger: logger)
        try await connection.execute(PostgresQuery(unsafeSQL: Self.repointFunctions(in: .tenant(workspaceID))), logger: logger)
        try await connection.execute("""
            UPDATE control.workspaces SET schema_version = \(latestTenantVersion), updated_at = now() WHERE id = \(workspaceID)
            """, logger: logger)
        try await connection.execute("SELECT pg_notify(\(DatabaseListener.channel), \(DatabaseListener.warmSchemaTaken))", logger: logger)
        return true
    }

    /// The tenant files' functions run with `SET search_path FROM CURRENT`, which kept the name the
    /// schema had when they were made: after the rename, a warm schema's name that no longer
    /// exists. This points every such function at `schema` again (tenant migration 0013 did the
    /// same for schemas claimed before this existed). Schema names need no escaping.
    static func repointFunctions(in schema: SchemaName) -> String {
        """
        DO $$
        DECLARE function regprocedure;
        BEGIN
            FOR function IN
                SELECT p.oid::regprocedure FROM pg_proc p
                WHERE p.pronamespace = '\(schema.name)'::regnamespace
                  AND EXISTS (SELECT FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search\\_path=%')
            LOOP
                EXECUTE format('ALTER FUNCTION %s SET search_path = %I', function, '\(schema.name)');
            END LOOP;
        END $$
        """
    }

    /// Ready warm schemas behind the newest tenant file, brought up to it like any tenant's (the
    /// fan-out calls this). One that fails is dropped: the refill makes a new one.
    func migrateWarmSchemas(onEvent: @Sendable (MigrationEvent) -> Void) async throws {
        let behind = try await client.all(WarmSchema.self, """
            SELECT id FROM control.warm_schemas WHERE ready AND version < \(latestTenantVersion) ORDER BY created_at
            """, logger: logger)
        let migrator = schemaMigrator(logger)
        for warm in behind {
            let schema = SchemaName.warm(warm.id).name
            do {
                let applied = try await migrator.apply(catalog.tenant, to: .warm(warm.id)) { migration, ms in
                    onEvent(.applied(schema: schema, file: migration.fileName, durationMs: ms))
                }
                onEvent(.schemaDone(schema: schema, appliedFiles: applied.count))
            } catch {
                onEvent(.schemaFailed(schema: schema, error: Self.describe(error)))
                try? await dropWarmSchema(warm.id, logger: logger)
            }
        }
    }

    private func dropAbandonedWarmSchemas(logger: Logger) async throws {
        let abandoned = try await client.all(WarmSchema.self, """
            SELECT id FROM control.warm_schemas WHERE NOT ready AND created_at < now() - interval '10 minutes'
            """, logger: logger)
        for warm in abandoned { try await dropWarmSchema(warm.id, logger: logger) }
    }

    private func dropWarmSchema(_ id: UUID, logger: Logger) async throws {
        try await client.execute("DROP SCHEMA IF EXISTS \(identifier: .warm(id)) CASCADE", logger: logger)
        try await client.execute("DELETE FROM control.warm_schemas WHERE id = \(id) RETURNING id", logger: logger)
    }

    private struct WarmSchema: Row {
        let id: UUID
        init(row: RowReader) throws { id = try row("id") }
    }
}
