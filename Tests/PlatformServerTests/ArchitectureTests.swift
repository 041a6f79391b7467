import Foundation
import Testing

/// Tenant isolation is a type, and these keep it one: tenant-plane code can reach SQL only through
/// the `TenantDatabase` its context carries, never through a pool, the control schema, raw SQL
/// fragments or the schema constructor.
@Suite struct ArchitectureTests {
    static let sources = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../Sources").standardizedFileURL

    static func files(in module: String) throws -> [(name: String, text: String)] {
        let folder = sources.appending(path: module)
        let paths = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return try paths.sorted().map { ($0, try String(contentsOf: folder.appending(path: $0), encoding: .utf8)) }
    }

    @Test func theTenantPlaneReachesSQLOnlyThroughItsScopedHandle() throws {
        let files = try Self.files(in: "TenantPlane")
        #expect(files.count >= 6, "the tenant plane's sources were not found at \(Self.sources.path)")
        let forbidden = ["PostgresClient", "PostgresConnection", "control.", "unescaped", "SchemaName", "@_spi", "search_path"]
        for (name, text) in files {
            for word in forbidden {
                #expect(!text.contains(word), "TenantPlane/\(name) mentions \(word)")
            }
        }
    }

    @Test func rawSQLFragmentsLiveOnlyInTheCore() throws {
        for module in ["ControlPlane", "TenantPlane", "PlatformServer", "Migrator", "platform"] {
            for (name, text) in try Self.files(in: module) {
                #expect(!text.contains("unescaped:"), "\(module)/\(name) builds SQL from a raw string")
            }
        }
    }

    @Test func noHandlerChecksAccessByHand() throws {
        for module in ["ControlPlane", "TenantPlane"] {
            for (name, text) in try Self.files(in: module) {
                #expect(!text.contains("context.require("), "\(module)/\(name) checks access itself; the route table does that")
                #expect(!text.contains("router.") && !text.contains(".get(\"") && !text.contains(".post(\""),
                        "\(module)/\(name) registers a route outside the route table")
            }
        }
    }

    /// PostgresNIO never answers a statement written to a closed connection; `Queryable.run` sends
    /// each one where that cannot happen (`PostgresConnection.sending`), so nothing else sends.
    @Test func statementsAreSentOnlyThroughQueryable() throws {
        for module in ["ControlPlane", "TenantPlane", "PlatformServer", "Migrator", "PlatformCore"] {
            for (name, text) in try Self.files(in: module) where !["Kit/Queryable.swift", "TenantPool.swift", "LocalPostgres.swift"].contains(name) {
                #expect(!text.contains(".query(\"") && !text.contains(".query(PostgresQuery") && !text.contains(".query(\n"),
                        "\(module)/\(name) sends a statement past Queryable.run")
            }
        }
    }
}
