import Crypto
import Foundation
import HummingbirdTesting
import Logging
import Migrator
import PlatformCore
import PlatformServer
import PostgresNIO

/// Databases for tests, on the cluster the test command started (`PLATFORM_TEST_DATABASE_URL`).
/// A template is built once: the control schema migrated and the seeded accounts provisioned
/// through the real signup path. Each suite clones it in milliseconds (`CREATE DATABASE … TEMPLATE …`)
/// and drops its clone afterwards, so suites run in parallel and none pays for signup to start.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    /// The test cluster; only ever one on this machine, so a stray `DATABASE_URL` can never point
    /// the suite (which creates and drops databases) at a real server.
    public static func adminURL() throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        guard let raw = environment["PLATFORM_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"] else {
            throw TestDatabaseError.notConfigured
        }
        let url = try DatabaseURL(raw)
        guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host) else { throw TestDatabaseError.notLoopback(url.host) }
        return url
    }

    /// Runs `body` with a fresh clone of the template; drops it afterwards. `seeded: false` clones
    /// the bare template (control schema only), for tests that count rows or schemas.
    public static func withDatabase<T: Sendable>(seeded: Bool = true, _ body: @Sendable (DatabaseURL) async throws -> T) async throws -> T {
        let admin = try adminURL()
        let phase = TestPhases.begin("making its database")
        defer { TestPhases.end(phase) }
        let template = try await templates.template(admin: admin, seeded: seeded)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name) TEMPLATE \(template)", on: admin)
        do {
            TestPhases.move(phase, to: "using database \(name)")
            let result = try await body(admin.with(database: name))
            TestPhases.move(phase, to: "dropping database \(name)")
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            return result
        } catch {
            TestPhases.move(phase, to: "dropping database \(name) after \(error)")
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

/// The owners every template holds, each with a provisioned workspace of their own.
public enum SeedAccount: String, CaseIterable, Sendable {
    case alice, bob, carol

    public var email: String { "\(rawValue)@seed.example.com" }
    public var password: String { "correct horse battery staple" }
    public var company: String { rawValue.capitalized + " Co" }
}

/// Builds the template once per process; an advisory lock keeps parallel processes from racing.
actor TemplateCache {
    /// Bump when what the template holds changes without a migration changing.
    static let fixtureVersion = "seed-v1"

    private var names: [Bool: Task<String, any Error>] = [:]

    func template(admin: DatabaseURL, seeded: Bool) async throws -> String {
        if let name = names[seeded] { return try await name.value }
        let task = Task { try await Self.build(admin: admin, seeded: seeded) }
        names[seeded] = task
        return try await task.value
    }

    private static func build(admin: DatabaseURL, seeded: Bool) async throws -> String {
        let catalog = MigrationCatalog.embedded
        // A day's templates at most: the seeded workspaces' trials (three days) have not run out.
        let day = Date().formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day())
        let fingerprint = (catalog.control + catalog.tenant).map { "\($0.version):\($0.checksum)" }.joined() + fixtureVersion + day
        let digest = Data(SHA256.hash(data: Array(fingerprint.utf8)).prefix(6)).hex
        let template = "tpl_\(digest)" + (seeded ? "_seeded" : "")
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
            let url = admin.with(database: building)
            _ = try await PlatformServer.withClient(url, maximumConnections: 2, logger: logger) { client in
                try await Migrator(client: client, catalog: catalog, logger: logger).migrateControl()
            }
            if seeded { try await TestPlatform.run(on: url, parts: [.controlAPI], checksContract: false) { client, _ in
                for account in SeedAccount.allCases {
                    let response = try await client.request(.post, "/api/v1/auth/signup", json: [
                        "email": .string(account.email), "password": .string(account.password),
                        "full_name": .string(account.rawValue.capitalized), "company_name": .string(account.company),
                    ])
                    guard response.status == .created else { throw TestFailure("seeding \(account): \(response.text)") }
                }
            } }
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(template)"), logger: logger)
        }
        try await connection.query("SELECT pg_advisory_unlock(424242)", logger: logger)
        return template
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case notConfigured
    case notLoopback(String)

    public var description: String {
        switch self {
        case .notConfigured:
            "No test database: run the suite with provisioning/test.sh, which starts PostgreSQL and sets PLATFORM_TEST_DATABASE_URL."
        case .notLoopback(let host):
            "The test database must be on this machine (127.0.0.1, localhost or ::1), not \(host): tests create and drop databases."
        }
    }
}
