import Logging
import PostgresNIO

/// A hot statement of fixed text, prepared once per pooled connection: PostgreSQL then parses it
/// once and plans it from its cache, where an unnamed statement is parsed and planned on every run
/// (about half of the server's time on a tenant read, issue 12). Tenant statements name their
/// schema in their text, so only control-schema statements can be prepared this way.
public protocol PreparedRead: PostgresPreparedStatement where Row == Decoded {
    associatedtype Decoded: PlatformCore.Row
}

extension PreparedRead {
    public func decodeRow(_ row: PostgresRow) throws -> Decoded { try Decoded(row: RowReader(row)) }
}

extension PostgresClient {
    /// The statement's first row, if any.
    public func first<Statement: PreparedRead>(_ statement: Statement, logger: Logger) async throws -> Statement.Decoded? {
        for try await row in try await execute(statement, logger: logger) { return row }
        return nil
    }
}
