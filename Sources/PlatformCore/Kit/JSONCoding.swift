import Foundation

extension JSONEncoder {
    /// ISO 8601 dates, unescaped slashes (`/api/v1/…`), and (through the container overloads
    /// below) lower-case UUIDs, as URLs write them.
    public static var platform: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }
}

extension JSONDecoder {
    /// ISO 8601 timestamps, with or without fractional seconds, or plain dates.
    public static var platform: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an ISO 8601 timestamp")
            }
            return date
        }
        return decoder
    }
}

/// ISO 8601 in and out.
public enum ISO8601 {
    public static func date(from text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }

    public static func string(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}

// Synthesized `Encodable` conformances pick these over the generic methods, so every model of the
// platform writes UUIDs lower-case (Foundation writes them upper-case).
extension KeyedEncodingContainer {
    public mutating func encode(_ value: UUID, forKey key: Key) throws {
        try encode(value.uuidString.lowercased(), forKey: key)
    }

    public mutating func encodeIfPresent(_ value: UUID?, forKey key: Key) throws {
        guard let value else { return }
        try encode(value, forKey: key)
    }

    public mutating func encode(_ value: [UUID], forKey key: Key) throws {
        try encode(value.map { $0.uuidString.lowercased() }, forKey: key)
    }
}

extension UUID {
    /// As PostgreSQL prints it and the API writes it.
    public var lowercased: String { uuidString.lowercased() }
}
