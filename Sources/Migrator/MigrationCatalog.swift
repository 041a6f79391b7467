import Foundation

/// The control and tenant migrations this binary was built with.
public struct MigrationCatalog: Sendable {
    public let control: [Migration]
    public let tenant: [Migration]

    public init(control: [Migration], tenant: [Migration]) throws {
        self.control = try Self.ordered(control)
        self.tenant = try Self.ordered(tenant)
    }

    /// The files under `migrations/`, compiled into the binary by the EmbedMigrations plugin.
    public static let embedded: MigrationCatalog = {
        do {
            return try fromFiles(embeddedMigrationFiles.map { ($0.path, $0.sql) })
        } catch {
            fatalError("the embedded migrations are invalid: \(error)")
        }
    }()

    /// Builds a catalog from `(path relative to migrations/, sql)` pairs: `control/…` and `tenant/…`.
    public static func fromFiles(_ files: [(path: String, sql: String)]) throws -> MigrationCatalog {
        var control: [Migration] = []
        var tenant: [Migration] = []
        for file in files {
            let parts = file.path.split(separator: "/")
            guard parts.count == 2 else { continue }
            guard let migration = Migration(fileName: String(parts[1]), sql: file.sql) else {
                throw MigrationError.invalidFileName(file.path)
            }
            switch parts[0] {
            case "control": control.append(migration)
            case "tenant": tenant.append(migration)
            default: continue
            }
        }
        return try MigrationCatalog(control: control, tenant: tenant)
    }

    public var latestControlVersion: Int { control.last?.version ?? 0 }
    public var latestTenantVersion: Int { tenant.last?.version ?? 0 }

    /// This catalog with one more tenant migration (benchmarks and tests use it).
    public func appendingTenant(_ migration: Migration) throws -> MigrationCatalog {
        try MigrationCatalog(control: control, tenant: tenant + [migration])
    }

    private static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.fileName)
        }
        return sorted
    }
}
