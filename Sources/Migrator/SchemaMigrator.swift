import Foundation
import Logging
@_spi(TenantProvisioning) import PlatformCore
import PostgresNIO

/// Applies migration files to one schema. Each file runs in its own transaction that holds the
/// schema's advisory lock and re-reads what is applied, so migrators racing on a schema serialise and
/// never apply a file twice. Lock timeouts and deadlocks are retried with backoff.
struct SchemaMigrator: Sendable {
    let client: PostgresClient
    let logger: Logger
    var lockTimeout = "5s"
    var maxAttempts = 5

    /// The schema, and where its version is recorded after each file: a workspace's row, or a
    /// warm schema's (`control.warm_schemas`). Both are tenant schemas, opened to the tenant role.
    struct Target: Sendable {
        enum Owner: Sendable { case control, workspace(UUID), warm(UUID) }

        let schema: SchemaName
        let owner: Owner

        static let control = Target(schema: .control, owner: .control)
        static func tenant(_ workspaceID: UUID) -> Target { Target(schema: .tenant(workspaceID), owner: .workspace(workspaceID)) }
        static func warm(_ id: UUID) -> Target { Target(schema: .warm(id), owner: .warm(id)) }

        var isTenant: Bool {
            if case .control = owner { return false }
            return true
        }
    }

    /// Applies what is pending and returns the files it applied.
    func apply(_ migrations: [Migration], to target: Target, onApplied: @Sendable (Migration, Int) -> Void = { _, _ in }) async throws -> [Migration] {
        try await client.withConnection { connection in
            // A schema that has its bookkeeping table was bootstrapped (and granted) already: a
            // fan-out over thousands of current schemas costs one lookup each, no DDL.
            if try await !isBootstrapped(target.schema, on: connection) {
                try await retrying(also: Self.createdConcurrently) { try await bootstrap(target, on: connection) }
            }
            var applied = try await appliedChecksums(target.schema, on: connection, bootstrapped: true)
            try verify(migrations, against: applied, schema: target.schema)
            var done: [Migration] = []
            if target.isTenant, applied.isEmpty, let baseline = Baseline(migrations) {
                try Task.checkCancellation()
                let clock = ContinuousClock.now
                do {
                    if try await retrying({ try await applyBaseline(baseline, to: target, on: connection) }) {
                        let milliseconds = Self.milliseconds(since: clock)
                        for migration in baseline.migrations {
                            applied[migration.version] = migration.checksum
                            done.append(migration)
                            onApplied(migration, migration == baseline.migrations.last ? milliseconds : 0)
                        }
                    }
                } catch where !(error is CancellationError) && !connection.isClosed {
                    // Replaying the files file by file names the one that fails in what is recorded.
                    logger.warning("the baseline failed; applying file by file", metadata: [
                        "schema": "\(target.schema.name)", "error": "\(String(reflecting: error))",
                    ])
                }
            }
            for migration in migrations where applied[migration.version] == nil {
                // Stopping: the pool closes its connections, and PostgresNIO never answers a query
                // written to a closed one, so no further statement is sent.
                try Task.checkCancellation()
                let clock = ContinuousClock.now
                let didApply = try await retrying {
                    migration.runsInTransaction
                        ? try await applyInTransaction(migration, to: target, on: connection)
                        : try await applyWithoutTransaction(migration, to: target, on: connection)
                }
                if didApply {
                    done.append(migration)
                    onApplied(migration, Self.milliseconds(since: clock))
                }
            }
            return done
        }
    }

    /// Creates the schema, its bookkeeping table and (for a tenant) the tenant role's grants.
    func prepare(_ target: Target) async throws {
        try await client.withConnection { connection in
            // A warm schema a signup took is made already: its grants need no second round of DDL.
            if try await isBootstrapped(target.schema, on: connection) { return }
            try await retrying(also: Self.createdConcurrently) { try await bootstrap(target, on: connection) }
        }
    }

    /// Files not yet applied, after checking the applied ones are unchanged. Changes nothing.
    func pending(_ migrations: [Migration], in schema: SchemaName) async throws -> [Migration] {
        try await client.withConnection { connection in
            let applied = try await appliedChecksums(schema, on: connection)
            try verify(migrations, against: applied, schema: schema)
            return migrations.filter { applied[$0.version] == nil }
        }
    }

    // MARK: - Steps

    /// Idempotent. A tenant schema is opened to the tenant role, which the tenant pools connect as:
    /// it may read and write the tenant's tables (these and every later one) but not rewrite its
    /// migration history, and it has no privilege at all on `control`.
    private func bootstrap(_ target: Target, on connection: PostgresConnection) async throws {
        let schema = target.schema
        try await connection.transaction(logger: logger) { connection in
            try await lock(schema, on: connection, transactionScoped: true)
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(identifier: schema)", logger: logger)
            try await connection.execute("""
                CREATE TABLE IF NOT EXISTS \(schema.table("schema_migrations")) (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    duration_ms integer NOT NULL DEFAULT 0
                )
                """, logger: logger)
            guard target.isTenant else { return }
            let role = TenantPools.role
            // Named grants only: `… ON ALL TABLES IN SCHEMA` reads all of pg_class to find the
            // schema's tables (no index leads with the namespace): a second per schema once a
            // database holds 8,000 tenants. The bookkeeping table is the only one here yet, and the
            // default privileges cover every table the migrations make.
            for statement in [
                "GRANT USAGE ON SCHEMA \(schema.quoted) TO \(role)",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema.quoted) GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \(role)",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema.quoted) GRANT USAGE, SELECT ON SEQUENCES TO \(role)",
                "GRANT SELECT ON \(schema.quoted).schema_migrations TO \(role)",
            ] {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    private func isBootstrapped(_ schema: SchemaName, on connection: PostgresConnection) async throws -> Bool {
        try await connection.value(
            Bool.self, "SELECT to_regclass(\(schema.quoted + ".schema_migrations")) IS NOT NULL", logger: logger) ?? false
    }

    /// `bootstrapped`: the caller knows the bookkeeping table exists.
    private func appliedChecksums(_ schema: SchemaName, on connection: PostgresConnection, bootstrapped: Bool = false) async throws -> [Int: String] {
        if !bootstrapped, try await !isBootstrapped(schema, on: connection) { return [:] }
        var applied: [Int: String] = [:]
        for row in try await connection.run("SELECT version, checksum FROM \(schema.table("schema_migrations"))", logger: logger) {
            let (version, checksum) = try row.decode((Int, String).self)
            applied[version] = checksum
        }
        return applied
    }

    private func verify(_ migrations: [Migration], against applied: [Int: String], schema: SchemaName) throws {
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != migration.checksum {
                throw MigrationError.checksumMismatch(schema: schema.name, file: migration.fileName)
            }
        }
    }

    private func applyInTransaction(_ migration: Migration, to target: Target, on connection: PostgresConnection) async throws -> Bool {
        try await connection.transaction(logger: logger) { connection in
            try await lockWithTimeout(target.schema, on: connection)
            // Read after the lock (a statement's snapshot is taken when it starts), with the
            // search_path the file runs under set in the same round trip.
            let row = try await connection.run("""
                SELECT set_config('search_path', \(target.schema.quoted), true),
                       (SELECT checksum FROM \(target.schema.table("schema_migrations")) WHERE version = \(migration.version))
                """, logger: logger).first
            if let checksum = try row?.decode((String, String?).self).1 {
                guard checksum == migration.checksum else {
                    throw MigrationError.checksumMismatch(schema: target.schema.name, file: migration.fileName)
                }
                return false
            }
            let clock = ContinuousClock.now
            for statement in migration.statements {
                try Task.checkCancellation()
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await record(migration, in: target, durationMs: Self.milliseconds(since: clock), on: connection)
            return true
        }
    }

    /// Every file of the baseline in one transaction, if the schema still has none applied. The
    /// whole baseline's time is recorded on its last file.
    private func applyBaseline(_ baseline: Baseline, to target: Target, on connection: PostgresConnection) async throws -> Bool {
        try await connection.transaction(logger: logger) { connection in
            try await lockWithTimeout(target.schema, on: connection)
            let untouched = try await connection.value(
                Bool.self, "SELECT NOT EXISTS (SELECT FROM \(target.schema.table("schema_migrations")))", logger: logger)
            guard untouched == true else { return false }
            try await connection.execute("SELECT set_config('search_path', \(target.schema.quoted), true)", logger: logger)
            let clock = ContinuousClock.now
            try await connection.execute(PostgresQuery(unsafeSQL: baseline.statement), logger: logger)
            let milliseconds = Self.milliseconds(since: clock)
            try await record(baseline.migrations, in: target, durationMs: { $0 == baseline.migrations.last ? milliseconds : 0 }, on: connection)
            return true
        }
    }

    /// For `-- migrate:no-transaction` files. The search_path is set for the session of the leased
    /// connection and reset before the connection goes back to the pool, whatever happens.
    private func applyWithoutTransaction(_ migration: Migration, to target: Target, on connection: PostgresConnection) async throws -> Bool {
        try await lock(target.schema, on: connection, transactionScoped: false)
        do {
            if try await isApplied(migration, in: target.schema, on: connection) {
                try await unlockAndReset(target.schema, on: connection)
                return false
            }
            try await connection.execute("SELECT set_config('search_path', \(target.schema.quoted), false)", logger: logger)
            let clock = ContinuousClock.now
            for statement in migration.statements {
                try Task.checkCancellation()
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await record(migration, in: target, durationMs: Self.milliseconds(since: clock), on: connection)
            try await unlockAndReset(target.schema, on: connection)
            return true
        } catch {
            if !connection.isClosed { try? await unlockAndReset(target.schema, on: connection) }
            throw error
        }
    }

    private func unlockAndReset(_ schema: SchemaName, on connection: PostgresConnection) async throws {
        try await connection.execute("RESET search_path", logger: logger)
        try await connection.execute("SELECT pg_advisory_unlock(hashtextextended(\(Self.lockKey(schema)), 0))", logger: logger)
    }

    private func isApplied(_ migration: Migration, in schema: SchemaName, on connection: PostgresConnection) async throws -> Bool {
        guard let checksum = try await connection.value(
            String.self, "SELECT checksum FROM \(schema.table("schema_migrations")) WHERE version = \(migration.version)", logger: logger)
        else { return false }
        guard checksum == migration.checksum else {
            throw MigrationError.checksumMismatch(schema: schema.name, file: migration.fileName)
        }
        return true
    }

    private func record(_ migration: Migration, in target: Target, durationMs: Int, on connection: PostgresConnection) async throws {
        try await record([migration], in: target, durationMs: { _ in durationMs }, on: connection)
    }

    /// Records the files and, in the same statement, the owner's version.
    private func record(
        _ migrations: [Migration], in target: Target, durationMs: (Migration) -> Int, on connection: PostgresConnection
    ) async throws {
        guard let version = migrations.last?.version else { return }
        let recorded: SQLFragment = """
            INSERT INTO \(target.schema.table("schema_migrations")) (version, name, checksum, duration_ms)
            SELECT * FROM unnest(\(migrations.map(\.version)), \(migrations.map(\.name)), \(migrations.map(\.checksum)), \(migrations.map(durationMs)))
            """
        switch target.owner {
        case .control:
            try await connection.execute(try "\(recorded)", logger: logger)
        case .workspace(let workspaceID):
            try await connection.execute(try """
                WITH recorded AS (\(recorded))
                UPDATE control.workspaces
                SET schema_version = GREATEST(schema_version, \(version)), last_migration_error = NULL, updated_at = now()
                WHERE id = \(workspaceID)
                """, logger: logger)
        case .warm(let id):
            try await connection.execute(try """
                WITH recorded AS (\(recorded))
                UPDATE control.warm_schemas SET version = GREATEST(version, \(version)) WHERE id = \(id)
                """, logger: logger)
        }
    }

    /// Waits for the schema's lock. The row is read: a wait cut short by `lock_timeout` is an error
    /// in the result, and unread it would surface only as the next statement's "transaction is
    /// aborted" (25P02), which `retrying` does not know, instead of the 55P03 it retries.
    private func lock(_ schema: SchemaName, on connection: PostgresConnection, transactionScoped: Bool) async throws {
        let key = Self.lockKey(schema)
        if transactionScoped {
            try await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
        } else {
            try await connection.execute("SELECT pg_advisory_lock(hashtextextended(\(key), 0))", logger: logger)
        }
    }

    /// The schema's transaction-scoped lock, waiting at most `lockTimeout`, which the inner query
    /// sets first (a subquery with a volatile function is not flattened into its outer query).
    private func lockWithTimeout(_ schema: SchemaName, on connection: PostgresConnection) async throws {
        try await connection.execute("""
            SELECT pg_advisory_xact_lock(hashtextextended(\(Self.lockKey(schema)), 0))
            FROM (SELECT set_config('lock_timeout', \(lockTimeout), true)) AS timeout
            """, logger: logger)
    }

    static func lockKey(_ schema: SchemaName) -> String { "platform.migrate." + schema.name }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Retries lock timeouts, deadlocks and serialization failures with exponential backoff and
    /// jitter; `also` adds SQLSTATEs a particular step may retry (a schema another migrator created
    /// first, say).
    private func retrying<T>(also extra: Set<String> = [], _ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard attempt < maxAttempts, let state = Self.sqlState(error), Self.transient.union(extra).contains(state) else { throw error }
                let delay = 50 * (1 << attempt) + Int.random(in: 0..<50)
                logger.info("migration step raced or waited, retrying", metadata: ["attempt": "\(attempt)", "delay_ms": "\(delay)", "sqlstate": "\(state)"])
                try await Task.sleep(for: .milliseconds(delay))
                attempt += 1
            }
        }
    }

    static let transient: Set<String> = ["55P03", "40P01", "40001"]
    /// Another migrator created the schema or its table between our look and our CREATE.
    static let createdConcurrently: Set<String> = ["23505", "42P06", "42P07"]

    /// The SQLSTATE behind an error, also when a transaction wrapped it.
    static func sqlState(_ error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError, let inner = error.closureError { return sqlState(inner) }
        return nil
    }
}
