import Foundation
import Logging
import Metrics
import PostgresNIO
import Synchronization

/// When a pooled tenant connection is closed and replaced by a fresh one. A PostgreSQL backend keeps
/// the catalogue entries (about 0.3 MB) and the prepared plans of every schema it has touched until it
/// exits, so a connection serves a bounded number of distinct workspaces, and a bounded time.
public struct ConnectionRecycling: Sendable, Equatable {
    /// Distinct workspace schemas one connection may touch.
    public var schemas: Int
    /// How long one connection may live.
    public var age: Duration

    public init(schemas: Int = 64, age: Duration = .seconds(900)) {
        self.schemas = schemas
        self.age = age
    }
}

/// Open connections that have run tenant statements, the distinct (connection, schema) pairs (the
/// catalogues their backends hold), and the statements prepared on them.
public struct TenantPoolStats: Sendable, Equatable {
    public var connections = 0
    public var schemas = 0
    public var statements = 0

    public init(connections: Int = 0, schemas: Int = 0, statements: Int = 0) {
        self.connections = connections
        self.schemas = schemas
        self.statements = statements
    }
}

/// One database server's tenant connections. Every tenant statement runs here as a prepared statement
/// of its connection (PostgreSQL parses and plans an unnamed statement on every run, which was most of
/// its time on a tenant read, issue 12), and every connection is retired by `ConnectionRecycling`.
/// The pool's state is in `/metrics` (`platform_tenant_*`, by placement).
final class TenantPool: Sendable {
    enum Retirement: String, CaseIterable, Sendable { case schemas, age, error }

    /// What one connection has done: when it was first used, the schemas it touched, and the
    /// statements prepared on it (by text and binding types) with their names.
    private struct Session {
        let opened: ContinuousClock.Instant
        var schemas: Set<String> = []
        var statements: [String: String] = [:]
    }

    private struct State {
        var sessions: [PostgresConnection.ID: Session] = [:]
        var stats = TenantPoolStats()
    }

    let client: PostgresClient
    let recycling: ConnectionRecycling
    private let state = Mutex(State())
    private let gauges: (connections: Gauge, schemas: Gauge, statements: Gauge)
    private let retirements: [Retirement: Counter]

    init(client: PostgresClient, placement: String, recycling: ConnectionRecycling) {
        self.client = client
        self.recycling = recycling
        let dimensions = [("placement", placement)]
        gauges = (
            Gauge(label: "platform_tenant_connections", dimensions: dimensions),
            Gauge(label: "platform_tenant_connection_schemas", dimensions: dimensions),
            Gauge(label: "platform_tenant_prepared_statements", dimensions: dimensions))
        retirements = Dictionary(uniqueKeysWithValues: Retirement.allCases.map {
            ($0, Counter(label: "platform_tenant_connections_retired_total", dimensions: dimensions + [("reason", $0.rawValue)]))
        })
    }

    var stats: TenantPoolStats { state.withLock { $0.stats } }

    /// Leases a connection for statements in `schema`; afterwards retires it if it is due.
    func withConnection<T>(
        schema: SchemaName, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            touch(connection, schema: schema)
            let result: T
            do {
                result = try await body(connection)
            } catch {
                // PostgreSQL could not plan the statement (an object missing or changed): the
                // connection remembers that failure under the statement's name, so it goes.
                let reason = Self.unplannable(error) ? .error : due(connection.id)
                if let reason { await retire(connection, reason, logger: logger) }
                throw error
            }
            if let reason = due(connection.id) { await retire(connection, reason, logger: logger) }
            return result
        }
    }

    /// Runs `query` as a prepared statement of `connection`, preparing it on first use.
    func run(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [PostgresRow] {
        // PostgreSQL fixes a prepared statement's parameter types when it parses it, and a nil binds
        // as "unspecified" (typed by inference), so the binding types are part of the key: the
        // debug description shows each binding's type and masks its value.
        let key = query.sql + "\u{0}" + query.binds.debugDescription
        let (name, added) = update { state in
            if let name = state.sessions[connection.id]?.statements[key] { return (name, false) }
            let name = "t\(state.sessions[connection.id]?.statements.count ?? 0)"
            state.sessions[connection.id]?.statements[key] = name
            state.stats.statements += 1
            return (name, true)
        }
        if added { gauges.statements.record(stats.statements) }
        return try await NamedStatement.$current.withValue(.init(name: name, sql: query.sql)) {
            try await connection.sending {
                var rows: [PostgresRow] = []
                for try await row in try await connection.execute(NamedStatement(binds: query.binds), logger: logger) { rows.append(row) }
                return rows
            }
        }
    }

    private func touch(_ connection: PostgresConnection, schema: SchemaName) {
        let (isNew, changed) = update { state in
            let isNew = state.sessions[connection.id] == nil
            if isNew {
                state.sessions[connection.id] = Session(opened: .now)
                state.stats.connections += 1
            }
            let inserted = state.sessions[connection.id]?.schemas.insert(schema.name).inserted ?? false
            if inserted { state.stats.schemas += 1 }
            return (isNew, inserted)
        }
        if isNew {
            let id = connection.id
            connection.closeFuture.whenComplete { [weak self] _ in self?.forget(id) }
        }
        if changed { record() }
    }

    private func due(_ id: PostgresConnection.ID) -> Retirement? {
        let (schemas, opened) = state.withLock { ($0.sessions[id]?.schemas.count, $0.sessions[id]?.opened) }
        guard let schemas, let opened else { return nil }
        if schemas >= recycling.schemas { return .schemas }
        if ContinuousClock.now - opened >= recycling.age { return .age }
        return nil
    }

    /// Closes a leased connection, and waits for its close future: the pool's callback on it was
    /// registered first, so the pool has forgotten the connection before the lease ends. Were the
    /// lease to end first, the pool could hand the closed connection to the next caller, and
    /// PostgresNIO never answers a query written to a closed connection.
    private func retire(_ connection: PostgresConnection, _ reason: Retirement, logger: Logger) async {
        forget(connection.id)
        retirements[reason]?.increment()
        logger.debug("tenant connection retired", metadata: ["reason": "\(reason.rawValue)"])
        try? await connection.close()
        try? await connection.closeFuture.get()
    }

    private func forget(_ id: PostgresConnection.ID) {
        let removed = update { state in
            guard let session = state.sessions.removeValue(forKey: id) else { return false }
            state.stats.connections -= 1
            state.stats.schemas -= session.schemas.count
            state.stats.statements -= session.statements.count
            return true
        }
        if removed { record() }
    }

    private func update<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    private func record() {
        let stats = self.stats
        gauges.connections.record(stats.connections)
        gauges.schemas.record(stats.schemas)
        gauges.statements.record(stats.statements)
    }

    private static func unplannable(_ error: any Error) -> Bool {
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        // 42: a missing or changed object, 0A: "cached plan must not change result type", 26: no such statement.
        return state.hasPrefix("42") || state.hasPrefix("0A") || state.hasPrefix("26")
    }
}

/// A statement whose name and text are chosen when it runs. PostgresNIO takes a prepared statement's
/// name and text from its type; these read them from a task-local that `TenantPool.run` sets for the
/// length of the `execute` call.
private struct NamedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        let name: String
        let sql: String
    }

    typealias Row = PostgresRow

    @TaskLocal static var current = Text(name: "", sql: "")
    static var name: String { current.name }
    static var sql: String { current.sql }

    let binds: PostgresBindings

    func makeBindings() throws -> PostgresBindings { binds }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
