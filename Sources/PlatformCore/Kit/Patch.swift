/// A PATCH field: absent (leave as is), null (clear), or a value.
public enum Patch<Value>: Sendable where Value: Sendable { case absent, null, value(Value) }
extension Patch: Equatable where Value: Equatable {}
extension KeyedDecodingContainer {
    public func decode<V: Decodable & Sendable>(_ type: Patch<V>.Type, forKey key: Key) throws -> Patch<V> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(V.self, forKey: key))
    }
}

/// Single-value form, used when a `Patch` is decoded on its own (e.g. as an array element);
/// it can never yield `.absent`. Properties go through the keyed-container overload above.
extension Patch: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }
}

extension Patch: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .absent, .null: try container.encodeNil()
        case .value(let value): try container.encode(value)
        }
    }
}

extension KeyedEncodingContainer {
    /// An absent field is left out, so a PATCH body round-trips.
    public mutating func encode<V: Encodable & Sendable>(_ patch: Patch<V>, forKey key: Key) throws {
        switch patch {
        case .absent: break
        case .null: try encodeNil(forKey: key)
        case .value(let value): try encode(value, forKey: key)
        }
    }
}

extension Patch {
    /// For a NOT NULL column with an empty value: null means "clear to `empty`".
    public func clearingTo(_ empty: Value) -> Patch<Value> {
        if case .null = self { return .value(empty) }
        return self
    }
}
