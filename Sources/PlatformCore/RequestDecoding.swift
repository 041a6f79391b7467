import Foundation
import Hummingbird

/// JSON request bodies: malformed JSON is a 400, missing or mistyped fields a 422 naming them.
enum JSONBody {
    /// `fields`: the body's documented keys, when it has a fixed set; any other key is a 422, so a
    /// misspelt field is reported rather than silently ignored.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, fields: Set<String>? = nil) throws -> T {
        guard buffer.readableBytes > 0 else { throw AppError.invalidJSON }
        let data = Data(buffer: buffer)
        let value: T
        do {
            value = try JSONDecoder.platform.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.appError(for: error)
        }
        if let fields, let keys = try? JSONDecoder().decode(TopLevelKeys.self, from: data).keys {
            let unknown = keys.filter { !fields.contains($0) }
            guard unknown.isEmpty else {
                throw AppError.validation(
                    "The request has fields this operation does not take.",
                    fields: Dictionary(uniqueKeysWithValues: unknown.map { ($0, "is not a field of this request") }))
            }
        }
        return value
    }

    private struct TopLevelKeys: Decodable {
        struct Key: CodingKey {
            let stringValue: String
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        let keys: [String]
        init(from decoder: any Decoder) throws {
            keys = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue)
        }
    }

    private static func appError(for error: DecodingError) -> AppError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (last.map { [$0] } ?? [])
            let rendered = keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return rendered.isEmpty ? "body" : rendered
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation("A required field is missing.", fields: [path(context.codingPath, key): "is required"])
        case .valueNotFound(_, let context):
            return .validation("A required field is null.", fields: [path(context.codingPath): "must not be null"])
        case .typeMismatch(let type, let context):
            return .validation("A field has the wrong type.", fields: [path(context.codingPath): "must be \(describe(type))"])
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .badRequest("invalid_json", "The request body is not valid JSON.")
        case .dataCorrupted(let context):
            return .validation("A field has an invalid value.", fields: [path(context.codingPath): context.debugDescription])
        @unknown default:
            return .badRequest("invalid_json", "The request body could not be read.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Optional<String>.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        case is UUID.Type: "a UUID"
        case is [String: Any].Type, is JSONObject.Type: "a JSON object"
        default: "of a different type"
        }
    }
}
