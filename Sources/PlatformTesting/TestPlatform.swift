import ControlPlane
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Migrator
import PlatformCore
import PlatformServer
import PostgresNIO

/// A whole platform on a fresh clone of the template: the real router, worker and database, over
/// HTTP, with every response checked against the API's contract.
public struct TestPlatform: Sendable {
    public let url: DatabaseURL
    public let config: PlatformConfig
    public let inventory: PlatformInventory

    /// Settings that keep tests quick without faking anything: cheaper (still real) argon2id,
    /// short leases and heartbeats, a small pool.
    public static func config(for url: DatabaseURL) -> PlatformConfig {
        let data = FileManager.default.temporaryDirectory.appending(path: "platform-test-\(UUID().uuidString.lowercased())")
        var config = PlatformConfig(
            database: url,
            jwtSecret: "test-secret-0123456789-0123456789-abcdef",
            host: "127.0.0.1", port: 0,
            maximumConnections: 6,
            workerConcurrency: 2,
            jobLease: .seconds(2),
            jobPollInterval: .milliseconds(200),
            sseHeartbeat: .milliseconds(500),
            passwordHashing: PasswordHashingCost(memoryKiB: 1024, iterations: 1, parallelism: 1),
            dataDirectory: data)
        // A test that is about warm schemas asks for them; the others make their own.
        config.warmSchemas = 0
        // Every test client is 127.0.0.1, sending as fast as it can: a test about budgets sets them.
        config.throttles = .unbounded
        config.userRateLimit = .unbounded
        config.mail.pollInterval = .milliseconds(200)
        config.mail.retryDelay = .milliseconds(300)
        return config
    }

    /// Runs `test` against the platform on a fresh clone of the seeded template (`seeded: false`:
    /// no accounts yet). `.router` for plain requests, `.live` for a real socket (SSE readers need one).
    public static func run<T: Sendable>(
        _ setup: TestingSetup = .router,
        seeded: Bool = true,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        faults: MembershipFaults = MembershipFaults(),
        checksContract: Bool = true,
        configure: @Sendable (inout PlatformConfig) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol, TestPlatform) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withDatabase(seeded: seeded) { url in
            try await run(on: url, setup, parts: parts, catalog: catalog, checksContract: checksContract, faults: faults, configure: configure, test)
        }
    }

    /// The same, on a database the caller prepared.
    public static func run<T: Sendable>(
        on url: DatabaseURL,
        _ setup: TestingSetup = .router,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        checksContract: Bool = true,
        faults: MembershipFaults = MembershipFaults(),
        configure: @Sendable (inout PlatformConfig) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol, TestPlatform) async throws -> T
    ) async throws -> T {
        var config = Self.config(for: url)
        configure(&config)
        let phase = TestPhases.begin("starting its platform on \(url.database)")
        defer { TestPhases.end(phase) }
        let (app, inventory) = try await PlatformServer.buildApplication(
            config: config, parts: parts, catalog: catalog, membershipFaults: faults, logger: TestDatabase.logger)
        let platform = TestPlatform(url: url, config: config, inventory: inventory)
        defer { try? FileManager.default.removeItem(at: config.dataDirectory) }
        return try await app.test(setup) { client in
            TestPhases.move(phase, to: "running on \(url.database)")
            let client: any TestClientProtocol = checksContract ? ContractCheckingClient(inner: client, contract: inventory.contract) : client
            let result = try await test(client, platform)
            TestPhases.move(phase, to: "stopping its platform on \(url.database)")
            return result
        }
    }

    /// A seeded owner of the template, signed in.
    public func account(_ seed: SeedAccount, via client: any TestClientProtocol) async throws -> TestAccount {
        try await client.logIn(email: seed.email, password: seed.password)
    }

    /// Makes `user` a member of `workspace` through the real member service (both databases).
    public func addMember(_ user: TestAccount, to workspace: UUID, role: Role) async throws {
        try await inventory.members.add(userID: user.userID, to: workspace, role: role, logger: TestDatabase.logger)
    }

    /// The mail delivered to `MAIL_DIR` so far.
    public var mailbox: Mailbox { Mailbox(directory: config.mail.directory) }

    /// A separate pool on the same database, for looking behind the API.
    public func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await PlatformServer.withClient(url, maximumConnections: 4, logger: TestDatabase.logger, body)
    }
}
