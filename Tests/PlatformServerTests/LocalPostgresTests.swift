import Foundation
import Logging
import PlatformCore
import PlatformServer
import PostgresNIO
import Testing

/// The embedded cluster is locked down: nobody connects without its password, its socket is in
/// its own folder, and a cluster made before passwords is turned into one that asks for them.
@Suite struct LocalPostgresTests {
    let logger = Logger(label: "local-postgres-test")

    func connects(_ url: DatabaseURL, password: String?) async -> Bool {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: .init(host: url.host, port: url.port, username: url.username, password: password, database: "postgres", tls: .disable),
                id: 1, logger: logger)
            try await connection.close()
            return true
        } catch {
            return false
        }
    }

    @Test func theEmbeddedClusterAsksForItsPassword() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "local-pg-\(UUID().uuidString.prefix(8))")
        let cluster = LocalPostgres(directory: folder, port: Int.random(in: 40_000..<50_000), database: "platform", durable: false)
        defer {
            try? cluster.stop()
            try? FileManager.default.removeItem(at: folder)
        }
        let url = try await cluster.start(logger: logger)
        let password = try #require(url.password)
        #expect(password.utf8.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: cluster.passwordFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(await connects(url, password: password))
        #expect(await !connects(url, password: nil))
        #expect(await !connects(url, password: "not the password"))
        #expect(await connects(url.as(user: TenantPools.role), password: password), "the tenant role has the same password")

        // Its socket is in its own folder, which only the cluster's owner may enter; none in /tmp.
        let home = (try? FileManager.default.destinationOfSymbolicLink(atPath: folder.appending(path: "cluster").path)).map { URL(filePath: $0) } ?? folder
        let socketFolder = home.appending(path: "socket")
        #expect(FileManager.default.fileExists(atPath: socketFolder.appending(path: ".s.PGSQL.\(url.port)").path))
        #expect((try FileManager.default.attributesOfItem(atPath: socketFolder.path)[.posixPermissions] as? Int) == 0o700)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/.s.PGSQL.\(url.port)"))

        // A cluster left at `trust` (as clusters were before) asks for passwords after the next start.
        let rules = home.appending(path: "postgres/pg_hba.conf")
        let original = try String(contentsOf: rules, encoding: .utf8)
        try Data(original.replacingOccurrences(of: "scram-sha-256", with: "trust").utf8).write(to: rules)
        try cluster.reload()
        try await Task.sleep(for: .milliseconds(500))
        #expect(await connects(url, password: nil), "trust, as before")
        #expect(try await cluster.start(logger: logger) == url)
        try await Task.sleep(for: .milliseconds(500))
        #expect(await !connects(url, password: nil))
        #expect(await connects(url, password: password))
    }
}
