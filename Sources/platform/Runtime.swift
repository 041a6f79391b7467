import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PlatformServer

/// Turns the environment into a `PlatformConfig`. With no `DATABASE_URL` this is the embedded
/// default: a local cluster under `.data/` and a JWT secret generated once and kept there.
enum Runtime {
    static let dataDirectory = URL(filePath: FileManager.default.currentDirectoryPath).appending(path: ".data")

    static func makeLogger(level: Logger.Level? = nil) -> Logger {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "platform")
        logger.logLevel = level ?? ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    static func config(host: String? = nil, port: Int? = nil, logger: Logger) async throws -> PlatformConfig {
        var environment = ProcessInfo.processInfo.environment
        if environment["DATABASE_URL"] == nil {
            environment["DATABASE_URL"] = try await localDatabase(logger: logger).string
            if environment["JWT_SECRET"] == nil { environment["JWT_SECRET"] = try localSecret() }
        }
        var config = try PlatformConfig.fromEnvironment(environment)
        if let host { config.host = host }
        if let port { config.port = port }
        return config
    }

    /// The database alone, for commands that need nothing else (`platform migrate`): `DATABASE_URL`,
    /// or the embedded cluster.
    static func database(logger: Logger) async throws -> DatabaseURL {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"] else { return try await localDatabase(logger: logger) }
        return try DatabaseURL(url)
    }

    /// The embedded cluster under `.data/pg`, started if it is not running; its password is kept
    /// beside the JWT secret.
    private static func localDatabase(logger: Logger) async throws -> DatabaseURL {
        let local = LocalPostgres(
            directory: dataDirectory.appending(path: "pg"), port: Int(ProcessInfo.processInfo.environment["PLATFORM_PG_PORT"] ?? "") ?? 54320,
            passwordFile: dataDirectory.appending(path: "postgres-password"))
        let url = try await local.start(logger: logger)
        logger.info("using the local PostgreSQL cluster", metadata: ["url": "\(url.redacted)"])
        return url
    }

    /// `.data/jwt-secret`, created on first use, readable only by its owner.
    static func localSecret() throws -> String {
        try LocalPostgres.secret(at: dataDirectory.appending(path: "jwt-secret"))
    }
}

extension LoggingSystem {
    private static let bootstrapped: Void = LoggingSystem.bootstrap({ label, provider in PlatformLogHandler(label: label, metadataProvider: provider) }, metadataProvider: nil)
    static func bootstrapOnce() { _ = bootstrapped }
}
