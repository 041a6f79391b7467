import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Migrator
import PlatformCore
import PlatformServer
import PostgresNIO

/// A whole platform on a fresh database: the real router, worker and database, over HTTP.
public struct TestPlatform: Sendable {
    public let url: DatabaseURL
    public let config: PlatformConfig

    /// Settings that keep tests quick without faking anything: cheaper (still real) argon2id,
    /// short leases and heartbeats, a small pool.
    public static func config(for url: DatabaseURL) -> PlatformConfig {
        PlatformConfig(
            database: url,
            jwtSecret: "test-secret-0123456789-0123456789-abcdef",
            host: "127.0.0.1", port: 0,
            maximumConnections: 6,
            workerConcurrency: 2,
            jobLease: .seconds(2),
            jobPollInterval: .milliseconds(200),
            sseHeartbeat: .milliseconds(500),
            passwordHashing: PasswordHashingCost(memoryKiB: 1024, iterations: 1, parallelism: 1))
    }

    /// Runs `test` against the platform on a fresh database. `.router` for plain requests,
    /// `.live` for a real socket (SSE readers need one).
    public static func run<T: Sendable>(
        _ setup: TestingSetup = .router,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        configure: @Sendable (inout PlatformConfig) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol, TestPlatform) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withDatabase { url in
            try await run(on: url, setup, parts: parts, catalog: catalog, configure: configure, test)
        }
    }

    /// The same, on a database the caller prepared.
    public static func run<T: Sendable>(
        on url: DatabaseURL,
        _ setup: TestingSetup = .router,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        configure: @Sendable (inout PlatformConfig) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol, TestPlatform) async throws -> T
    ) async throws -> T {
        var config = Self.config(for: url)
        configure(&config)
        let platform = TestPlatform(url: url, config: config)
        let app = try await PlatformServer.buildApplication(
            config: config, parts: parts, catalog: catalog, logger: TestDatabase.logger)
        return try await app.test(setup) { client in try await test(client, platform) }
    }

    /// A separate pool on the same database, for looking behind the API.
    public func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await PlatformServer.withClient(url, maximumConnections: 4, logger: TestDatabase.logger, body)
    }
}
