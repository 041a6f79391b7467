import Foundation
import PostgresNIO

/// A model read from SQL by column name.
public protocol Row: Sendable {
    init(row: RowReader) throws
}

/// A row whose select list is written once: `SELECT \(Record.columns) FROM …`.
public protocol TableRow: Row {
    static var columns: Columns { get }
}

/// A row's cells by column name.
public struct RowReader {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    public func callAsFunction<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard row.contains(column) else { throw RowError.missingColumn(column) }
        return try row[column].decode(T.self)
    }

    /// A text column holding one of an enum's values.
    public func callAsFunction<T: SchemaEnum>(_ column: String, as type: T.Type = T.self) throws -> T {
        let raw: String = try self(column)
        guard let value = T(rawValue: raw) else { throw RowError.unexpectedValue(column, raw) }
        return value
    }
}

public enum RowError: Error, CustomStringConvertible {
    case missingColumn(String)
    case unexpectedValue(String, String)
    public var description: String {
        switch self {
        case .missingColumn(let name): "the query did not select the column \(name)"
        case .unexpectedValue(let name, let value): "the column \(name) holds an unexpected value: \(value)"
        }
    }
}

/// A select list written once per model, rendered as quoted identifiers.
public struct Columns: Sendable, ExpressibleByArrayLiteral {
    public let names: [String]

    public init(arrayLiteral names: StaticString...) {
        self.names = names.map { "\($0)" }
    }

    var sql: String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
}

extension PostgresQuery.StringInterpolation {
    public mutating func appendInterpolation(_ columns: Columns) {
        appendInterpolation(unescaped: columns.sql)
    }
}
