import Foundation

/// Decodes `QueryParameters` from a query string, typed: UUIDs, integers, numbers, booleans
/// (`true|false|1|0`, absent = nil, so a filter is tri-state), ISO 8601 dates, string enums, and
/// lists (`?tag=a,b` or `?tag=a&tag=b`). A nested struct reads the same flat parameters, so list
/// queries embed `Page`. Anything malformed is a 400 `invalid_query` naming the parameter.
public struct QueryDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from items: [(String, String)]) throws -> T {
        var values: [String: [String]] = [:]
        for (name, value) in items { values[name, default: []].append(value) }
        do {
            return try T(from: FlatDecoder(values: values, codingPath: []))
        } catch let error as AppError {
            throw error
        } catch let error as DecodingError {
            let name = Self.parameterName(error)
            throw AppError.invalidQuery("The query parameter \(name) is malformed.")
        }
    }

    static func parameterName(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        return path.last?.stringValue ?? "query"
    }
}

private struct FlatDecoder: Decoder {
    let values: [String: [String]]
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(FlatContainer<Key>(values: values, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([String].self, .init(codingPath: codingPath, debugDescription: "not a list"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(String.self, .init(codingPath: codingPath, debugDescription: "not a value"))
    }
}

private struct FlatContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let values: [String: [String]]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { values.keys.compactMap { Key(stringValue: $0) } }

    /// Present, even empty: `?x=` is a value (and malformed for anything but a string).
    func contains(_ key: Key) -> Bool { values[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let raw = values[key.stringValue] ?? []
        if raw.isEmpty && !(T.self is any FlatQueryStruct.Type) {
            throw AppError.invalidQuery("The query parameter \(key.stringValue) is required.")
        }
        return try QueryValue.decode(T.self, name: key.stringValue, raw: raw, values: values, codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(FlatContainer<NestedKey>(values: values, codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        ListContainer(items: QueryValue.split(values[key.stringValue] ?? []), name: key.stringValue, codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder { FlatDecoder(values: values, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { FlatDecoder(values: values, codingPath: codingPath + [key]) }
}

/// Marks types read from the whole flat query rather than one parameter (embedded `Page`).
protocol FlatQueryStruct {}
extension Page: FlatQueryStruct {}

enum QueryValue {
    static func split(_ raw: [String]) -> [String] {
        raw.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    static func decode<T: Decodable>(_ type: T.Type, name: String, raw: [String], values: [String: [String]], codingPath: [any CodingKey]) throws -> T {
        func invalid(_ expected: String) -> AppError { .invalidQuery("The query parameter \(name) must be \(expected).") }
        let text = raw.last ?? ""
        // PostgreSQL text cannot hold NUL: refused here, it is a 400 naming the parameter rather
        // than whatever the database says when it is bound.
        guard !raw.contains(where: { $0.unicodeScalars.contains("\0") }) else { throw invalid("free of NUL characters") }
        switch T.self {
        case is String.Type: return text as! T
        case is UUID.Type:
            guard let id = UUID(uuidString: text) else { throw invalid("a UUID") }
            return id as! T
        case is Int.Type:
            guard let number = Int(text) else { throw invalid("an integer") }
            return number as! T
        case is Double.Type:
            guard let number = Double(text), number.isFinite else { throw invalid("a number") }
            return number as! T
        case is Bool.Type:
            switch text.lowercased() {
            case "true", "1", "yes": return true as! T
            case "false", "0", "no": return false as! T
            default: throw invalid("true or false")
            }
        case is Date.Type:
            guard let date = ISO8601.date(from: text) else { throw invalid("an ISO 8601 date or timestamp") }
            return date as! T
        default:
            if let enumType = T.self as? any SchemaEnum.Type {
                guard let value = enumType.init(schemaRawValue: text) else {
                    throw invalid("one of \(enumType.schemaValues.joined(separator: ", "))")
                }
                return value as! T
            }
            if T.self is any FlatQueryStruct.Type || !(T.self is any Collection.Type) {
                return try T(from: FlatDecoder(values: values, codingPath: codingPath))
            }
            return try T(from: ListDecoder(items: split(raw), name: name, codingPath: codingPath))
        }
    }
}

private struct ListDecoder: Decoder {
    let items: [String]
    let name: String
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw AppError.invalidQuery("The query parameter \(name) is malformed.")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { ListContainer(items: items, name: name, codingPath: codingPath) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw AppError.invalidQuery("The query parameter \(name) is malformed.")
    }
}

private struct ListContainer: UnkeyedDecodingContainer {
    let items: [String]
    let name: String
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(items: [String], name: String, codingPath: [any CodingKey]) {
        self.items = items
        self.name = name
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        defer { currentIndex += 1 }
        return try QueryValue.decode(T.self, name: name, raw: [items[currentIndex]], values: [:], codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        throw AppError.invalidQuery("The query parameter \(name) is malformed.")
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw AppError.invalidQuery("The query parameter \(name) is malformed.")
    }
    mutating func superDecoder() throws -> any Decoder { ListDecoder(items: items, name: name, codingPath: codingPath) }
}

extension SchemaEnum {
    static var schemaValues: [String] { allCases.map(\.rawValue) }
    init?(schemaRawValue: String) { self.init(rawValue: schemaRawValue) }
}
