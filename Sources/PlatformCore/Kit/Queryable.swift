import Foundation
import Logging
import PostgresNIO

/// Something SQL runs on: the control pool, a tenant's scoped handle, a connection in a transaction.
/// The helpers below are the one way rows, lists and soft deletes are read and written. `run` reads
/// every row before it returns, so a pooled connection goes back to its pool with nothing pending.
public protocol Queryable: Sendable {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow]
}

extension Queryable {
    public func all<R: Row>(_ type: R.Type, _ query: PostgresQuery, logger: Logger) async throws -> [R] {
        var items: [R] = []
        for row in try await run(query, logger: logger) { items.append(try R(row: RowReader(row))) }
        return items
    }

    public func first<R: Row>(_ type: R.Type, _ query: PostgresQuery, logger: Logger) async throws -> R? {
        for row in try await run(query, logger: logger) { return try R(row: RowReader(row)) }
        return nil
    }

    /// The first column of the first row.
    public func value<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery, logger: Logger) async throws -> T? {
        try await run(query, logger: logger).first?.decode(T.self)
    }

    /// Runs a statement; returns how many rows it returned (use `RETURNING` to count what changed).
    @discardableResult
    public func execute(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        try await run(query, logger: logger).count
    }

    /// One page of `SELECT <columns> <from> ORDER BY <order>`, with the total in the same round
    /// trip (a window count); a page past the end costs one more count.
    /// `from` is the `FROM … WHERE …` part.
    public func list<R: TableRow & APIModel>(
        _ type: R.Type, _ from: SQLFragment, orderBy: SQLFragment, page: Page, logger: Logger
    ) async throws -> ListResponse<R> {
        let (items, total) = try await rows(R.self, from, orderBy: orderBy, page: page, logger: logger)
        return ListResponse(items: items, total: total, page: page)
    }

    /// The page of rows and the total, for lists whose items are shaped after reading (see `list`).
    public func rows<R: TableRow>(
        _ type: R.Type, _ from: SQLFragment, orderBy: SQLFragment, page: Page, logger: Logger
    ) async throws -> (items: [R], total: Int) {
        let query: PostgresQuery = try """
            SELECT \(R.columns), count(*) OVER ()::int AS "_total" \(from) ORDER BY \(orderBy) LIMIT \(page.limit) OFFSET \(page.offset)
            """
        var items: [R] = []
        var total = 0
        for row in try await run(query, logger: logger) {
            let reader = RowReader(row)
            items.append(try R(row: reader))
            total = try reader("_total")
        }
        if items.isEmpty && page.offset > 0 { total = try await count(from, logger: logger) }
        return (items, total)
    }

    /// How many rows `from` (`FROM … WHERE …`) has.
    public func count(_ from: SQLFragment, logger: Logger) async throws -> Int {
        try await value(Int.self, try "SELECT count(*)::int \(from)", logger: logger) ?? 0
    }

    /// Moves a row to the trash (`deleted_at`); false when there is no live row with this id.
    public func softDelete(_ table: QualifiedTable, id: UUID, logger: Logger) async throws -> Bool {
        try await execute("""
            UPDATE \(table) SET deleted_at = now(), updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """, logger: logger) == 1
    }
}

extension PostgresClient: Queryable {
    public func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await withConnection { try await $0.run(query, logger: logger) }
    }
}

extension PostgresConnection: Queryable {
    public func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await sending { try await self.query(query, logger: logger).collect() }
    }
}

extension Optional {
    /// The value, or the given 404.
    public func orNotFound(_ error: AppError) throws -> Wrapped {
        guard let self else { throw error }
        return self
    }
}

extension PostgresConnection {
    /// Several statements in one transaction on this connection. An error thrown by `body` comes out
    /// as it was thrown, so an `AppError` keeps its status. No `ROLLBACK` goes to a connection that
    /// has closed (a pool stopping closes its connections): PostgresNIO never answers a statement
    /// written to a closed connection, and the server ended the transaction when it went.
    public func transaction<T: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await execute("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await run("ROLLBACK", logger: logger)
            throw error
        }
        try await execute("COMMIT", logger: logger)
        return value
    }
}

extension PostgresClient {
    /// Several statements in one transaction on one pooled connection (see `PostgresConnection.transaction`).
    public func transaction<T: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(isolation: isolation) { connection in try await connection.transaction(logger: logger, body) }
    }
}

/// A statement for a connection that has closed: sent, it would never be answered.
public struct ConnectionClosed: Error, CustomStringConvertible {
    public var description: String { "the database connection is closed" }
}
