import Foundation
import PostgresNIO

/// The one place that turns a workspace into a PostgreSQL schema identifier. A tenant schema name is
/// built only from the workspace UUID (`ws_<32 hex>`), so it never needs escaping; every other file
/// refers to schemas and tenant tables through this type, never by formatting names by hand.
public struct SchemaName: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    private init(unchecked name: String) { self.name = name }

    public static let control = SchemaName(unchecked: "control")

    /// A workspace's schema. Only the provisioning side (the migrator, the provisioner, the pools)
    /// imports this SPI; tenant code reaches its schema only through `TenantDatabase`.
    @_spi(TenantProvisioning)
    public static func tenant(_ workspaceID: UUID) -> SchemaName { named("ws_", workspaceID) }

    /// A schema made ahead of a signup, not yet any workspace's (`control.warm_schemas`).
    @_spi(TenantProvisioning)
    public static func warm(_ id: UUID) -> SchemaName { named("warm_", id) }

    /// `prefix` and the UUID's 32 lowercase hex digits.
    private static func named(_ prefix: StaticString, _ id: UUID) -> SchemaName {
        let digits = Array("0123456789abcdef".utf8)
        let count = prefix.utf8CodeUnitCount + 32
        let name = withUnsafeBytes(of: id.uuid) { bytes in
            String(unsafeUninitializedCapacity: count) { buffer in
                for index in 0..<prefix.utf8CodeUnitCount { buffer[index] = prefix.utf8Start[index] }
                for (index, byte) in bytes.enumerated() {
                    buffer[prefix.utf8CodeUnitCount + 2 * index] = digits[Int(byte >> 4)]
                    buffer[prefix.utf8CodeUnitCount + 2 * index + 1] = digits[Int(byte & 0x0f)]
                }
                return count
            }
        }
        return SchemaName(unchecked: name)
    }

    /// The quoted identifier, also the value for `set_config('search_path', …, true)`.
    public var quoted: String { "\"\(name)\"" }
    public var description: String { name }

    /// A table in this schema, for `PostgresQuery` interpolation: `"SELECT … FROM \(schema.table("records"))"`.
    public func table(_ table: StaticString) -> QualifiedTable {
        QualifiedTable(sql: "\(quoted).\"\(table)\"")
    }
}

public struct QualifiedTable: Sendable, CustomStringConvertible {
    fileprivate let sql: String
    public var description: String { sql }
}

extension PostgresQuery.StringInterpolation {
    public mutating func appendInterpolation(_ table: QualifiedTable) {
        appendInterpolation(unescaped: table.sql)
    }

    public mutating func appendInterpolation(identifier schema: SchemaName) {
        appendInterpolation(unescaped: schema.quoted)
    }
}
