import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// The embedded default: a PostgreSQL cluster under the repo's `.data/`, started with the machine's
/// own binaries. initdb and postgres refuse to run as root, so as root they run as `postgres`.
/// Locked down: every connection needs the password (SCRAM), which is generated once and kept in
/// `passwordFile` (mode 0600); the server listens on 127.0.0.1 only, and its socket lives in the
/// cluster's own folder (mode 0700), not in /tmp. The tenant role gets the same password.
public struct LocalPostgres: Sendable {
    public let directory: URL
    public let port: Int
    public let database: String
    /// Trades durability for speed; for throwaway test clusters only.
    public let durable: Bool
    public let passwordFile: URL

    public init(directory: URL, port: Int, database: String = "platform", durable: Bool = true, passwordFile: URL? = nil) {
        self.directory = directory
        self.port = port
        self.database = database
        self.durable = durable
        self.passwordFile = passwordFile ?? directory.appending(path: "postgres-password")
    }

    public func url(password: String) throws -> DatabaseURL {
        try DatabaseURL("postgres://postgres:\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable")
    }

    /// Initialises the cluster if needed, starts it if it is not running, creates the database.
    public func start(logger: Logger) async throws -> DatabaseURL {
        let binaries = try Self.binaryDirectory()
        let password = try Self.secret(at: passwordFile)
        let home = try prepareClusterHome()
        let data = home.appending(path: "postgres")
        if !FileManager.default.fileExists(atPath: data.appending(path: "PG_VERSION").path) {
            logger.info("initialising a local PostgreSQL cluster", metadata: ["path": "\(data.path)"])
            // initdb reads the password from a file; this copy is the cluster owner's for a moment.
            let initial = home.appending(path: "initdb-password")
            try ownedFile(initial, contents: password)
            defer { try? FileManager.default.removeItem(at: initial) }
            try run(binaries.appending(path: "initdb"), [
                "-D", data.path, "-U", "postgres", "--auth=scram-sha-256", "--pwfile=\(initial.path)", "--encoding=UTF8", "--locale=C.UTF-8",
            ])
        }
        let socket = home.appending(path: "socket")
        try ownedDirectory(socket)
        if (try? run(binaries.appending(path: "pg_ctl"), ["-D", data.path, "status"], quiet: true)) == nil {
            var options = "-p \(port) -k \(socket.path) -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=\(Self.sharedBuffersMB)MB"
            // The test cluster serves every suite at once, each with its own pools.
            if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1200" }
            try run(binaries.appending(path: "pg_ctl"), [
                "-D", data.path, "-l", home.appending(path: "postgres.log").path, "-w", "-t", "60", "-o", options, "start",
            ])
        }
        let url = try url(password: password)
        try await requirePasswords(url, data: data, logger: logger)
        try await Self.createDatabaseIfMissing(url, logger: logger)
        return url
    }

    /// Sets both roles' passwords, and turns a cluster made before passwords (`trust`) into one
    /// that asks for them: its `pg_hba.conf` lines say `scram-sha-256`, then the server reloads.
    private func requirePasswords(_ url: DatabaseURL, data: URL, logger: Logger) async throws {
        try await Self.withAdmin(url, logger: logger) { connection in
            // The password is base64url (`secret(at:)`), so it needs no escaping in a literal.
            try await connection.query(PostgresQuery(unsafeSQL: """
                SET password_encryption = 'scram-sha-256';
                """), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER ROLE postgres PASSWORD '\(url.password ?? "")'"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(TenantPools.role)') THEN CREATE ROLE \(TenantPools.role) LOGIN; END IF;
                END $$
                """), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER ROLE \(TenantPools.role) PASSWORD '\(url.password ?? "")'"), logger: logger)
        }
        let rules = data.appending(path: "pg_hba.conf")
        let text = try String(contentsOf: rules, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard !line.hasPrefix("#"), fields.last == "trust" else { return String(line) }
            return fields.dropLast().joined(separator: " ") + " scram-sha-256"
        }
        let locked = lines.joined(separator: "\n")
        guard locked != text else { return }
        logger.info("the local cluster now asks for passwords", metadata: ["path": "\(rules.path)"])
        try Data(locked.utf8).write(to: rules)
        try reload()
    }

    /// Makes the running server read its configuration files again.
    public func reload() throws {
        try run(Self.binaryDirectory().appending(path: "pg_ctl"), ["-D", clusterHome.appending(path: "postgres").path, "reload"])
    }

    /// The secret kept in `file` (created on first use, readable only by its owner): 48 random
    /// bytes as base64url, so it is safe in a URL and in a SQL literal.
    public static func secret(at file: URL) throws -> String {
        if let secret = try? String(contentsOf: file, encoding: .utf8), secret.utf8.count >= 32 {
            return secret.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = Digest.base64URL(Digest.randomBytes(48))
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LocalPostgresError.commandFailed("writing \(file.path)", "could not create the file")
        }
        return secret
    }

    /// A file only the cluster's owner may read.
    private func ownedFile(_ file: URL, contents: String) throws {
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600])
        if runsAsRoot { try Self.shell(["chown", "postgres:postgres", file.path]) }
    }

    /// A folder only the cluster's owner may enter.
    private func ownedDirectory(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        if runsAsRoot { try Self.shell(["chown", "postgres:postgres", folder.path]) }
    }

    /// A quarter of the machine's memory, as PostgreSQL's tuning guide suggests, between the
    /// 128 MB default and 4 GB. Every tenant brings its own tables and indexes; with the default,
    /// a thousand small tenants no longer fit and each request reads through the OS cache
    /// (`bench tenant` with 2 GB: 30–40% more requests/s, the 1,000-tenant p99 down 40%).
    static var sharedBuffersMB: UInt64 {
        min(4096, max(128, ProcessInfo.processInfo.physicalMemory / 4 / 1_048_576))
    }

    public func stop() throws {
        let binaries = try Self.binaryDirectory()
        try run(binaries.appending(path: "pg_ctl"), ["-D", clusterHome.appending(path: "postgres").path, "-m", "fast", "-w", "stop"])
    }

    /// `directory`, or the folder its `cluster` link points to (see `prepareClusterHome`).
    var clusterHome: URL {
        let link = directory.appending(path: "cluster")
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link.path) { return URL(filePath: target) }
        return directory
    }

    static func createDatabaseIfMissing(_ url: DatabaseURL, logger: Logger) async throws {
        try await withAdmin(url, logger: logger) { connection in
            let exists = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(url.database)", logger: logger).collect().count > 0
            if !exists {
                let name = url.database.replacingOccurrences(of: "\"", with: "\"\"")
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: logger)
            }
        }
    }

    /// A connection to the cluster's `postgres` database as the superuser, closed after `body`.
    private static func withAdmin(_ url: DatabaseURL, logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
        let admin = url.with(database: "postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: admin.host, port: admin.port, username: admin.username, password: admin.password, database: admin.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    // MARK: - Processes

    private var runsAsRoot: Bool { getuid() == 0 }

    /// As root the cluster belongs to `postgres`. If that user cannot reach the repo's folder (a
    /// checkout under /root, say), the cluster and its log live under /var/tmp and
    /// `<directory>/cluster` links there.
    private func prepareClusterHome() throws -> URL {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        guard runsAsRoot else { return directory }
        var home = clusterHome
        if home == directory, (try? run(URL(filePath: "/usr/bin/test"), ["-x", directory.path], quiet: true)) == nil {
            let pathHash = directory.path.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
            home = URL(filePath: "/var/tmp/platform-postgres-\(pathHash)")
            try files.createDirectory(at: home, withIntermediateDirectories: true)
            try files.createSymbolicLink(at: directory.appending(path: "cluster"), withDestinationURL: home)
        }
        try Self.shell(["chown", "-R", "postgres:postgres", home.path])
        return home
    }

    @discardableResult
    private func run(_ executable: URL, _ arguments: [String], quiet: Bool = false) throws -> String {
        if runsAsRoot {
            return try Self.shell(["runuser", "-u", "postgres", "--", executable.path] + arguments, quiet: quiet)
        }
        return try Self.shell([executable.path] + arguments, quiet: quiet)
    }

    /// Runs a command and waits for it with `waitpid`. Output goes to a file, not a pipe:
    /// `pg_ctl start` leaves a server running that would hold a pipe open forever (and Foundation's
    /// `Process` was seen never to reap the child in that case).
    @discardableResult
    static func shell(_ command: [String], quiet: Bool = false) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appending(path: "platform-cmd-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw LocalPostgresError.commandFailed(command.joined(separator: " "), "spawn failed (\(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        guard exitedCleanly else {
            throw LocalPostgresError.commandFailed(command.joined(separator: " "), quiet ? "" : text)
        }
        return text
    }

    /// The newest `/usr/lib/postgresql/N/bin`, or wherever `pg_ctl` is on the PATH.
    static func binaryDirectory() throws -> URL {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions {
            let bin = URL(filePath: "\(root)/\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appending(path: "initdb").path) { return bin }
        }
        for path in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let bin = URL(filePath: String(path))
            if FileManager.default.isExecutableFile(atPath: bin.appending(path: "initdb").path) { return bin.resolvingSymlinksInPath() }
        }
        throw LocalPostgresError.notInstalled
    }
}

public enum LocalPostgresError: Error, CustomStringConvertible {
    case notInstalled
    case commandFailed(String, String)

    public var description: String {
        switch self {
        case .notInstalled: "PostgreSQL is not installed (apt-get install postgresql), and DATABASE_URL is not set"
        case .commandFailed(let command, let output): "\(command) failed: \(output)"
        }
    }
}
