import Foundation
import PostgresNIO

/// The `SET` list of an UPDATE built from PATCH fields: an absent field is left alone, null clears
/// the column, a value sets it. Column names are static; values are bind parameters.
///
///     var changes = Assignments()
///     changes.set("description", body.description)
///     changes.setNow("updated_at")
///     "UPDATE \(table) SET \(changes) WHERE id = \(id)"
public struct Assignments: Sendable {
    typealias Part = @Sendable (inout PostgresQuery.StringInterpolation) throws -> Void
    private var parts: [Part] = []

    public init() {}

    public var isEmpty: Bool { parts.isEmpty }

    public mutating func set<V: PostgresEncodable & Sendable>(_ column: StaticString, _ patch: Patch<V>) {
        switch patch {
        case .absent: break
        case .null: parts.append { $0.appendInterpolation(unescaped: "\"\(column)\" = NULL") }
        case .value(let value): set(column, to: value)
        }
    }

    public mutating func set<V: PostgresEncodable & Sendable>(_ column: StaticString, to value: V) {
        parts.append { sql in
            sql.appendInterpolation(unescaped: "\"\(column)\" = ")
            try sql.appendInterpolation(value)
        }
    }

    /// `column = <expression>`, e.g. `data || $1` to merge into a JSON column.
    public mutating func set(_ column: StaticString, expression: SQLFragment) {
        parts.append { sql in
            sql.appendInterpolation(unescaped: "\"\(column)\" = ")
            try sql.appendInterpolation(expression)
        }
    }

    public mutating func setNow(_ column: StaticString) {
        parts.append { $0.appendInterpolation(unescaped: "\"\(column)\" = now()") }
    }

    fileprivate func render(into sql: inout PostgresQuery.StringInterpolation) throws {
        for (index, part) in parts.enumerated() {
            if index > 0 { sql.appendLiteral(", ") }
            try part(&sql)
        }
    }
}

extension PostgresQuery.StringInterpolation {
    public mutating func appendInterpolation(_ assignments: Assignments) throws {
        try assignments.render(into: &self)
    }
}
