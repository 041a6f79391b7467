import Foundation
import NIOCore

/// Encodes `Encodable` values into JSON bytes in one pass, fields in the order they are encoded.
/// It writes what `JSONEncoder.platform` writes (ISO 8601 dates to the second, lower-case UUIDs,
/// unescaped slashes, `1` for `1.0`) at a fraction of the cost: Foundation first builds a tree of
/// boxed values, then serialises it, and profiles of list pages showed that as their largest part.
///
/// Containers are written as they are opened and closed when their parent writes again or the
/// value they belong to is finished, so a container must not be written to after its parent has
/// moved on (synthesized and hand-written conformances of this platform never do; `encode` throws
/// if one does). Coding paths are not tracked.
public enum JSONWriter {
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.value(value, level: 0)
        sink.close(above: -1)
        if let failure = sink.failure { throw failure }
        return sink.bytes
    }

    public static func buffer(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try encode(value))
    }

    public static func data(_ value: some Encodable) throws -> Data {
        Data(try encode(value))
    }
}

final class JSONSink {
    struct Open {
        enum Kind { case object, array, slot }
        var level: Int
        var kind: Kind
        var count = 0
    }

    var bytes: [UInt8] = []
    var open: [Open] = []
    var failure: EncodingError?

    init() { bytes.reserveCapacity(1024) }

    /// Ends every container (and `superEncoder` slot) deeper than `level`.
    func close(above level: Int) {
        while let last = open.last, last.level > level {
            switch last.kind {
            case .object: bytes.append(UInt8(ascii: "}"))
            case .array: bytes.append(UInt8(ascii: "]"))
            case .slot: if last.count == 0 { bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
            }
            open.removeLast()
        }
    }

    /// Opens (or, asked again for the same value, continues) a container for the value at `level`.
    func begin(_ kind: Open.Kind, level: Int) {
        close(above: level)
        if let last = open.last, last.level == level {
            switch (last.kind, kind) {
            case (.object, .object), (.array, .array): return
            case (.slot, _): open.removeLast()
            default:
                fail("A value asked for a keyed and an unkeyed container at once.")
            }
        }
        bytes.append(kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append(Open(level: level, kind: kind))
    }

    /// Before a member of the container at `level`: closes what is deeper and writes the comma.
    func element(of level: Int) throws(EncodingError) {
        close(above: level)
        guard let last = open.last, last.level == level, last.kind != .slot else {
            throw fail("A container was written to after its parent moved on.")
        }
        if last.count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1].count += 1
    }

    func key(_ key: some CodingKey, of level: Int) throws(EncodingError) {
        try element(of: level)
        string(key.stringValue)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A single value at `level` fills a `superEncoder` slot waiting there.
    func single(at level: Int) {
        close(above: level)
        if let last = open.last, last.level == level, last.kind == .slot { open[open.count - 1].count += 1 }
    }

    func slot(level: Int) { open.append(Open(level: level, kind: .slot)) }

    /// Also kept for the end: a container's non-throwing methods cannot report it.
    @discardableResult
    func fail(_ message: String) -> EncodingError {
        let error = EncodingError.invalidValue((), .init(codingPath: [], debugDescription: message))
        if failure == nil { failure = error }
        return error
    }

    // MARK: Values

    /// Types compare by metadata pointer, far cheaper than trying casts one after another.
    func value<T: Encodable>(_ value: T, level: Int) throws {
        if T.self == UUID.self {
            uuid(value as! UUID)
        } else if T.self == Date.self {
            date(value as! Date)
        } else if T.self == String.self {
            string(value as! String)
        } else if T.self == JSONObject.self {
            try object((value as! JSONObject).fields)
        } else if T.self == JSONValue.self {
            try json(value as! JSONValue)
        } else if T.self == Data.self {
            string((value as! Data).base64EncodedString())
        } else if T.self == Decimal.self {
            raw((value as! Decimal).description)
        } else if T.self == URL.self {
            string((value as! URL).absoluteString)
        } else {
            let start = bytes.count
            try value.encode(to: JSONStreamEncoder(sink: self, level: level))
            close(above: level - 1)
            if bytes.count == start { bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
        }
    }

    func null() { raw("null") }
    func bool(_ value: Bool) { raw(value ? "true" : "false") }
    func raw(_ text: StaticString) { text.withUTF8Buffer { bytes.append(contentsOf: $0) } }
    func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    func integer(_ value: some BinaryInteger) {
        if let small = Int64(exactly: value) {
            if small < 0 {
                bytes.append(UInt8(ascii: "-"))
                digits(small.magnitude)
            } else {
                digits(UInt64(small))
            }
        } else {
            raw(String(value))
        }
    }

    private func digits(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var index = buffer.count
            var rest = value
            while rest > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
        }
    }

    func double(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        if value.rounded() == value, abs(value) < 1e15 {
            integer(Int64(value))
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }

    func float(_ value: Float) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }

    func json(_ value: JSONValue) throws {
        switch value {
        case .null: null()
        case .bool(let value): bool(value)
        case .number(let value): try double(value)
        case .string(let value): string(value)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try json(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields): try object(fields)
        }
    }

    func object(_ fields: [String: JSONValue]) throws {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in fields {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(key)
            bytes.append(UInt8(ascii: ":"))
            try json(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    func string(_ value: String) {
        var value = value
        value.withUTF8 { text in
            bytes.append(UInt8(ascii: "\""))
            var start = 0
            for (index, byte) in text.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    func uuid(_ value: UUID) {
        bytes.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: value.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0xF)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, fractions of a second dropped, as `.iso8601` writes it.
    func date(_ value: Date) {
        let seconds = value.timeIntervalSince1970.rounded(.down)
        // Foundation switches to the Julian calendar before 1582-10-15; those (and years past 9999) it writes.
        guard seconds >= -12_219_292_800, seconds < 253_402_300_800 else {
            string(ISO8601.string(value))
            return
        }
        let total = Int64(seconds)
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let time = total - days * 86_400
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        bytes.append(UInt8(ascii: "\""))
        padded(year, 4)
        bytes.append(UInt8(ascii: "-"))
        padded(month, 2)
        bytes.append(UInt8(ascii: "-"))
        padded(day, 2)
        bytes.append(UInt8(ascii: "T"))
        padded(time / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(time / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(time % 60, 2)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    private func padded(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// The `Encoder` handed to a value at one nesting level of a `JSONSink`.
struct JSONStreamEncoder: Encoder {
    let sink: JSONSink
    let level: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        sink.begin(.object, level: level)
        return KeyedEncodingContainer(JSONKeyedWriter(sink: sink, level: level))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.begin(.array, level: level)
        return JSONUnkeyedWriter(sink: sink, level: level)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleWriter(sink: sink, level: level) }
}

struct JSONKeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let level: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try sink.key(key, of: level); sink.null() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try sink.key(key, of: level); sink.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try sink.key(key, of: level); sink.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try sink.key(key, of: level); try sink.double(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try sink.key(key, of: level); try sink.float(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try sink.key(key, of: level); sink.integer(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try sink.key(key, of: level)
        try sink.value(value, level: level + 1)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        if (try? sink.key(key, of: level)) != nil { sink.begin(.object, level: level + 1) }
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(sink: sink, level: level + 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        if (try? sink.key(key, of: level)) != nil { sink.begin(.array, level: level + 1) }
        return JSONUnkeyedWriter(sink: sink, level: level + 1)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        if (try? sink.key(key, of: level)) != nil { sink.slot(level: level + 1) }
        return JSONStreamEncoder(sink: sink, level: level + 1)
    }
}

struct JSONUnkeyedWriter: UnkeyedEncodingContainer {
    let sink: JSONSink
    let level: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { sink.open.last(where: { $0.level == level })?.count ?? 0 }

    mutating func encodeNil() throws { try sink.element(of: level); sink.null() }
    mutating func encode(_ value: Bool) throws { try sink.element(of: level); sink.bool(value) }
    mutating func encode(_ value: String) throws { try sink.element(of: level); sink.string(value) }
    mutating func encode(_ value: Double) throws { try sink.element(of: level); try sink.double(value) }
    mutating func encode(_ value: Float) throws { try sink.element(of: level); try sink.float(value) }
    mutating func encode(_ value: Int) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: Int8) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: Int16) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: Int32) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: Int64) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: UInt) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: UInt8) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: UInt16) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: UInt32) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode(_ value: UInt64) throws { try sink.element(of: level); sink.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try sink.element(of: level)
        try sink.value(value, level: level + 1)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        if (try? sink.element(of: level)) != nil { sink.begin(.object, level: level + 1) }
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(sink: sink, level: level + 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        if (try? sink.element(of: level)) != nil { sink.begin(.array, level: level + 1) }
        return JSONUnkeyedWriter(sink: sink, level: level + 1)
    }

    mutating func superEncoder() -> any Encoder {
        if (try? sink.element(of: level)) != nil { sink.slot(level: level + 1) }
        return JSONStreamEncoder(sink: sink, level: level + 1)
    }
}

struct JSONSingleWriter: SingleValueEncodingContainer {
    let sink: JSONSink
    let level: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.single(at: level); sink.null() }
    mutating func encode(_ value: Bool) throws { sink.single(at: level); sink.bool(value) }
    mutating func encode(_ value: String) throws { sink.single(at: level); sink.string(value) }
    mutating func encode(_ value: Double) throws { sink.single(at: level); try sink.double(value) }
    mutating func encode(_ value: Float) throws { sink.single(at: level); try sink.float(value) }
    mutating func encode(_ value: Int) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: Int8) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: Int16) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: Int32) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: Int64) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: UInt) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: UInt8) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: UInt16) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: UInt32) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode(_ value: UInt64) throws { sink.single(at: level); sink.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        sink.single(at: level)
        try sink.value(value, level: level)
    }
}
