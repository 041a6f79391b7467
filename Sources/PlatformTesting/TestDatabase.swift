import Crypto
import Foundation
import Logging
import Migrator
import PlatformCore
import PlatformServer
import PostgresNIO

/// Databases for tests, on the cluster the test command started (`PLATFORM_TEST_DATABASE_URL`).
/// The control schema is migrated once into a template; each suite clones it in milliseconds
/// (`CREATE DATABASE … TEMPLATE …`) and drops its clone afterwards, so suites run in parallel.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    public static func adminURL() throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        guard let raw = environment["PLATFORM_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"] else {
            throw TestDatabaseError.notConfigured
        }
        return try DatabaseURL(raw)
    }

    /// Runs `body` with a fresh database whose control schema is migrated; drops it afterwards.
    public static func withDatabase<T: Sendable>(_ body: @Sendable (DatabaseURL) async throws -> T) async throws -> T {
        let admin = try adminURL()
        let template = try await templates.template(admin: admin)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name) TEMPLATE \(template)", on: admin)
        do {
            let result = try await body(admin.with(database: name))
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            return result
        } catch {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            throw error
        }
    }

    static let templates = TemplateCache()

    static func execute(_ sql: String, on url: DatabaseURL) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 0, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// Builds the template once per process; an advisory lock keeps parallel processes from racing.
actor TemplateCache {
    private var name: Task<String, any Error>?

    func template(admin: DatabaseURL) async throws -> String {
        if let name { return try await name.value }
        let task = Task { try await Self.build(admin: admin) }
        name = task
        return try await task.value
    }

    private static func build(admin: DatabaseURL) async throws -> String {
        let catalog = MigrationCatalog.embedded
        let fingerprint = (catalog.control + catalog.tenant).map(\.checksum).joined()
        let digest = SHA256.hash(data: Array(fingerprint.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let template = "tpl_\(digest)"
        let logger = TestDatabase.logger
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: admin.host, port: admin.port, username: admin.username, password: admin.password, database: admin.database, tls: .disable),
            id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query("SELECT pg_advisory_lock(424242)", logger: logger)
        let exists = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(template)", logger: logger).collect().count > 0
        if !exists {
            let building = template + "_building"
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(building) WITH (FORCE)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(building)"), logger: logger)
            _ = try await PlatformServer.withClient(admin.with(database: building), maximumConnections: 2, logger: logger) { client in
                try await Migrator(client: client, catalog: catalog, logger: logger).migrateControl()
            }
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(template)"), logger: logger)
        }
        try await connection.query("SELECT pg_advisory_unlock(424242)", logger: logger)
        return template
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case notConfigured

    public var description: String {
        "No test database: run the suite with provisioning/test.sh, which starts PostgreSQL and sets PLATFORM_TEST_DATABASE_URL."
    }
}
