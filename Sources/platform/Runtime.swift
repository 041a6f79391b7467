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
            let local = LocalPostgres(directory: dataDirectory.appending(path: "pg"), port: Int(environment["PLATFORM_PG_PORT"] ?? "") ?? 54320)
            environment["DATABASE_URL"] = try await local.start(logger: logger).string
            if environment["JWT_SECRET"] == nil { environment["JWT_SECRET"] = try localSecret() }
            logger.info("using the local PostgreSQL cluster", metadata: ["url": "\(environment["DATABASE_URL"]!)"])
        }
        var config = try PlatformConfig.fromEnvironment(environment)
        if let host { config.host = host }
        if let port { config.port = port }
        return config
    }

    /// `.data/jwt-secret`, created on first use, readable only by its owner.
    static func localSecret() throws -> String {
        let file = dataDirectory.appending(path: "jwt-secret")
        if let secret = try? String(contentsOf: file, encoding: .utf8), secret.utf8.count >= 32 {
            return secret.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = Digest.base64URL(Digest.randomBytes(48))
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        return secret
    }
}

extension LoggingSystem {
    private static let bootstrapped: Void = LoggingSystem.bootstrap({ label, provider in PlatformLogHandler(label: label, metadataProvider: provider) }, metadataProvider: nil)
    static func bootstrapOnce() { _ = bootstrapped }
}
