import Foundation
import PostgresNIO

/// A piece of SQL with its values, built apart and composed into a statement later:
///
///     let visible: SQLFragment = "r.deleted_at IS NULL AND r.recordset_id = \(id)"
///     db.all(Record.self, "SELECT … FROM \(db.table("records")) r WHERE \(visible)", logger: logger)
///
/// Its text is only ever static literals, tables, columns and other fragments; every value is a
/// bind parameter, numbered when the statement is assembled. Filters built from a query string are
/// fragments, so a field name or an operator a client sends can only ever be a value.
public struct SQLFragment: Sendable, ExpressibleByStringInterpolation {
    public typealias StringLiteralType = StaticString

    enum Part: Sendable {
        case sql(String)
        case value(@Sendable (inout PostgresQuery.StringInterpolation) throws -> Void)
    }

    var parts: [Part]

    public init(stringLiteral value: StaticString) { parts = [.sql("\(value)")] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// The fragments joined by `separator` (`AND`, `, `); `empty` when there are none.
    public init(joining fragments: [SQLFragment], separator: StaticString, empty: StaticString = "") {
        if fragments.isEmpty {
            parts = [.sql("\(empty)")]
            return
        }
        parts = []
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { parts.append(.sql(" \(separator) ")) }
            parts += fragment.parts
        }
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: StaticString) { parts.append(.sql("\(literal)")) }

        public mutating func appendInterpolation<V: PostgresEncodable & Sendable>(_ value: V) {
            parts.append(.value { try $0.appendInterpolation(value) })
        }

        public mutating func appendInterpolation<V: PostgresEncodable & Sendable>(_ value: V?) {
            parts.append(.value { try $0.appendInterpolation(value) })
        }

        public mutating func appendInterpolation(_ table: QualifiedTable) { parts.append(.sql(table.description)) }

        public mutating func appendInterpolation(_ columns: Columns) { parts.append(.sql(columns.sql)) }

        public mutating func appendInterpolation(_ fragment: SQLFragment) { parts += fragment.parts }

        /// Text chosen by the program from a closed set (a sort direction, a column of a whitelist).
        public mutating func appendInterpolation(trusted text: StaticString) { parts.append(.sql("\(text)")) }
    }

    /// The statement itself.
    public var query: PostgresQuery {
        get throws {
            var interpolation = PostgresQuery.StringInterpolation(literalCapacity: 0, interpolationCount: 0)
            try interpolation.appendInterpolation(self)
            return PostgresQuery(stringInterpolation: interpolation)
        }
    }
}

extension PostgresQuery.StringInterpolation {
    public mutating func appendInterpolation(_ fragment: SQLFragment) throws {
        for part in fragment.parts {
            switch part {
            case .sql(let text): appendInterpolation(unescaped: text)
            case .value(let bind): try bind(&self)
            }
        }
    }
}
