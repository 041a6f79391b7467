import Foundation
import NIOCore
import PostgresNIO

/// Reads JSON text (RFC 8259) into a `JSONValue` in one pass. `jsonb` columns are read this way:
/// going through `JSONDecoder` and `JSONValue`'s `Decodable` conformance (which tries each kind in
/// turn) cost more than the rest of decoding a row.
public struct JSONParser {
    public struct Failure: Error, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    static let maximumDepth = 512

    private let text: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0

    private init(_ text: UnsafeRawBufferPointer) { self.text = text }

    public static func parse(_ text: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var parser = JSONParser(text)
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == text.count else { throw parser.failure("unexpected data after the value") }
        return value
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        if let value = try bytes.withContiguousStorageIfAvailable({ try parse(UnsafeRawBufferPointer($0)) }) { return value }
        return try Array(bytes).withUnsafeBytes { try parse($0) }
    }

    private func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private var current: UInt8? { index < text.count ? text[index] : nil }

    private mutating func skipSpace() {
        while index < text.count {
            switch text[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipSpace()
        guard let byte = current else { throw failure("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let length = word.utf8CodeUnitCount
        guard index + length <= text.count,
            memcmp(text.baseAddress! + index, word.utf8Start, length) == 0
        else { throw failure("unknown literal") }
        index += length
    }

    private mutating func nest() throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested too deeply") }
        index += 1
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try nest()
        var fields: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(fields)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            fields[key] = try value()
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(fields)
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try nest()
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(items)
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    private mutating func number() throws(Failure) -> Double {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw failure("expected a digit") }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard try digitsFollow() else { throw failure("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard try digitsFollow() else { throw failure("expected a digit in the exponent") }
        }
        let span = UnsafeRawBufferPointer(rebasing: text[start..<index])
        if integral, span.count <= 15 {
            var value: Int64 = 0
            for byte in span where byte != UInt8(ascii: "-") { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
            return Double(span.first == UInt8(ascii: "-") ? -value : value)
        }
        guard let value = Double(String(decoding: span, as: UTF8.self)), value.isFinite else { throw failure("number out of range") }
        return value
    }

    private mutating func skipDigits() {
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
    }

    private mutating func digitsFollow() throws(Failure) -> Bool {
        let start = index
        skipDigits()
        return index > start
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // The common case: no escapes, so the bytes between the quotes are the string.
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") {
                let span = UnsafeRawBufferPointer(rebasing: text[start..<index])
                index += 1
                guard let value = String(validating: span, as: UTF8.self) else { throw failure("invalid UTF-8") }
                return value
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("control character in a string") }
            index += 1
        }
        var bytes = Array(UnsafeRawBufferPointer(rebasing: text[start..<index]))
        while index < text.count {
            let byte = text[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let value = String(validating: bytes, as: UTF8.self) else { throw failure("invalid UTF-8") }
                return value
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw failure("unexpected end") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard current == UInt8(ascii: "\\"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "u") else {
                            throw failure("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw failure("unpaired surrogate")
                    }
                    bytes.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: throw failure("unknown escape")
                }
            default:
                guard byte >= 0x20 else { throw failure("control character in a string") }
                bytes.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= text.count else { throw failure("unexpected end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = text[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected a hex digit")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

extension JSONParser {
    /// A `json` or `jsonb` column (binary `jsonb` starts with its version byte, 1).
    static func column(_ buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat) throws -> JSONValue {
        switch (format, type) {
        case (.binary, .jsonb):
            guard buffer.readInteger(as: UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
        case (.binary, .json), (.text, .jsonb), (.text, .json): break
        default: throw PostgresDecodingError.Code.typeMismatch
        }
        let value = try buffer.withUnsafeReadableBytes { try parse($0) }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return value
    }

    /// A value as a binary `jsonb` parameter.
    static func write(_ value: some Encodable, into buffer: inout ByteBuffer) throws {
        buffer.writeInteger(UInt8(1))
        buffer.writeBytes(try JSONWriter.encode(value))
    }
}
