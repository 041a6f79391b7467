import Crypto
import Foundation
import PlatformCore

/// One migration file: `NNNN_snake_name.sql`. Files are forward-only and applied in version order.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// Hex SHA-256 of the file's text: an applied file may never change.
    public let checksum: String
    /// False when the first line is `-- migrate:no-transaction` (for `CREATE INDEX CONCURRENTLY`).
    public let runsInTransaction: Bool

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Data(SHA256.hash(data: Array(sql.utf8))).hex
        let firstLine = sql.split(separator: "\n", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
        self.runsInTransaction = firstLine != "-- migrate:no-transaction"
    }

    /// Parses `0003_add_index.sql`; nil for any other file name.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        let parts = stem.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]), version > 0,
              parts[1].allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" })
        else { return nil }
        self.init(version: version, name: String(parts[1]), sql: sql)
    }

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }

    /// The file's statements, split for a driver that sends one statement at a time.
    public var statements: [String] { SQLScript.statements(in: sql) }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case checksumMismatch(schema: String, file: String)
    case invalidFileName(String)
    case duplicateVersion(String)

    public var description: String {
        switch self {
        case .checksumMismatch(let schema, let file):
            "\(file) was changed after it was applied to \(schema); migrations are append-only, add a new file instead"
        case .invalidFileName(let name): "\(name) is not named NNNN_snake_name.sql"
        case .duplicateVersion(let name): "\(name) repeats a version number"
        }
    }
}
