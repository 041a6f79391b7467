import Foundation
import PostgresNIO

/// A JSON object with arbitrary keys, kept as written; stored as `jsonb`. Decoding anything else
/// (an array, a string) fails, which a request answers as a 422 naming the field.
public struct JSONObject: Codable, Sendable, Hashable, PostgresCodable, SchemaDescribed {
    public var fields: [String: JSONValue]

    public init(_ fields: [String: JSONValue] = [:]) { self.fields = fields }

    public subscript(key: String) -> JSONValue? { fields[key] }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard case .object(let fields) = try container.decode(JSONValue.self) else {
            throw DecodingError.typeMismatch(JSONObject.self, .init(codingPath: decoder.codingPath, debugDescription: "must be a JSON object"))
        }
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }

    public init<D: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>) throws {
        guard case .object(let fields) = try JSONParser.column(&buffer, type: type, format: format) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        self.fields = fields
    }

    public func encode<E: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try JSONParser.write(self, into: &buffer)
    }

    public static var jsonSchema: JSONSchema { .object(additionalProperties: .bool(true)) }
    public static var schemaPlaceholder: JSONObject { JSONObject() }
}
