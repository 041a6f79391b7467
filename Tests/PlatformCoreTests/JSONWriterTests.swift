import Foundation
import PlatformCore
import Testing

/// `JSONWriter` writes what `JSONEncoder.platform` writes: the same values (field order aside),
/// byte for byte where Foundation's output is fixed (strings, numbers, dates).
@Suite struct JSONWriterTests {
    static func foundation(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.platform.encode(value), as: UTF8.self)
    }

    static func writer(_ value: some Encodable) throws -> String {
        String(decoding: try JSONWriter.encode(value), as: UTF8.self)
    }

    /// Both outputs read back by Foundation's decoder, so neither side checks itself.
    static func sameValue(_ value: some Encodable) throws -> Bool {
        let decoder = JSONDecoder()
        return try decoder.decode(JSONValue.self, from: JSONEncoder.platform.encode(value))
            == decoder.decode(JSONValue.self, from: Data(JSONWriter.encode(value)))
    }

    @Test(arguments: [
        "", "plain", "quote \" and backslash \\ and slash /", "tab\tnew\nline\rreturn", "\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f}",
        "héllo wörld", "emoji 👩‍💻 and 𝄞", "\u{2028}\u{2029}", "</script>", String(repeating: "long ", count: 500),
    ])
    func stringsAreWrittenByteForByte(_ text: String) throws {
        #expect(try Self.writer(text) == Self.foundation(text))
        #expect(try Self.writer([text: text]) == Self.foundation([text: text]))
    }

    @Test(arguments: [0.0, 1.0, -1.0, 0.1, -2.5, 1e15, 1e16, 1.5e300, 123_456_789.125, 1e-7, 5e-324, 0.30000000000000004, 9_007_199_254_740_993.0])
    func doublesAreWrittenByteForByte(_ number: Double) throws {
        #expect(try Self.writer(number) == Self.foundation(number))
        #expect(try Self.writer(JSONValue.number(number)) == Self.foundation(JSONValue.number(number)))
    }

    @Test func integersAndBooleansAreWrittenByteForByte() throws {
        for number in [0, 7, -7, 10, 99, 100, Int.max, Int.min, Int(Int32.max)] {
            #expect(try Self.writer(number) == Self.foundation(number))
        }
        #expect(try Self.writer(UInt64.max) == Self.foundation(UInt64.max))
        #expect(try Self.writer([Int8.min, Int8.max]) == Self.foundation([Int8.min, Int8.max]))
        #expect(try Self.writer([true, false]) == "[true,false]")
        #expect(try Self.writer(Float(1.5)) == Self.foundation(Float(1.5)))
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: EncodingError.self) { try JSONWriter.encode(Double.nan) }
        #expect(throws: EncodingError.self) { try JSONWriter.encode(["x": Double.infinity]) }
    }

    @Test(arguments: [
        0, 1, -1, 0.999, -0.5, 59.999_999, 86_399, 86_400, 951_782_400, 1_796_053_004.25, -62_135_596_800, 253_402_300_799, 4_102_444_800.5,
        -86_401, 1_709_164_800, -12_219_292_800, -12_219_292_801, -62_135_596_800, -2_208_988_800.5,
    ])
    func datesAreWrittenByteForByte(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(try Self.writer(date) == Self.foundation(date))
    }

    @Test func uuidsAreLowerCaseWhereverTheyStand() throws {
        let id = UUID(uuidString: "3050B31F-7C1E-4D2A-9F5B-8E6D4C2B1A09")!
        #expect(try Self.writer(id) == "\"3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09\"")
        #expect(try Self.writer([id, nil] as [UUID?]) == "[\"3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09\",null]")
        #expect(try Self.writer(KitModel(id: id)).contains("\"ids\":[\"3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09\"]"))
    }

    struct KitModel: Encodable {
        let id: UUID
        var ids: [UUID] { [id] }
        var owner: UUID? { id }
        var missing: UUID? { nil }
        enum CodingKeys: String, CodingKey { case id, ids, owner, missing }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(ids, forKey: .ids)
            try container.encodeIfPresent(owner, forKey: .owner)
            try container.encodeIfPresent(missing, forKey: .missing)
        }
    }

    struct Nested: Codable, Equatable {
        enum Kind: String, Codable { case a, b }
        struct Inner: Codable, Equatable {
            var names: [String]
            var score: Double?
            var at: Date
        }

        var kind: Kind
        var inner: Inner
        var inners: [Inner]
        var grid: [[Int]]
        var map: [String: Inner]
        var optionals: [Int?]
        var empty: [String]
        var nothing: String?
        var blob: Data
        var json: JSONValue
        var object: JSONObject
    }

    static let nested = Nested(
        kind: .b, inner: .init(names: ["x", "y"], score: 2.5, at: Date(timeIntervalSince1970: 1_700_000_000)),
        inners: [.init(names: [], score: nil, at: Date(timeIntervalSince1970: 0)), .init(names: ["z"], score: -1, at: Date(timeIntervalSince1970: 86_400))],
        grid: [[1, 2], [], [3]], map: ["k": .init(names: ["m"], score: 0.25, at: Date(timeIntervalSince1970: 12))], optionals: [1, nil, 3],
        empty: [], nothing: nil, blob: Data([0, 1, 2, 250]),
        json: ["a": [1, "two", true, .null, ["deep": .number(1.5)]], "b": .null], object: JSONObject(["n": 3, "s": "t"]))

    @Test func nestedModelsMatchFoundationAndReadBack() throws {
        #expect(try Self.sameValue(Self.nested))
        #expect(try JSONDecoder.platform.decode(Nested.self, from: Data(JSONWriter.encode(Self.nested))) == Self.nested)
        #expect(try Self.writer(Self.nested).hasPrefix("{\"kind\":\"b\",\"inner\":{\"names\":[\"x\",\"y\"],\"score\":2.5,\"at\":\"2023-11-14T22:13:20Z\"}"))
    }

    /// Hand-written conformances that reuse containers, nest them by hand or encode nothing.
    struct HandWritten: Encodable {
        enum Keys: String, CodingKey { case a, nested, list, again, `super` }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            try outer.encode(1, forKey: .a)
            var nested = outer.nestedContainer(keyedBy: Keys.self, forKey: .nested)
            try nested.encode("n", forKey: .a)
            var list = nested.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(true, forKey: .a)
            try list.encode(2)
            var same = encoder.container(keyedBy: Keys.self)
            try same.encode(Nothing(), forKey: .again)
            try Nothing().encode(to: same.superEncoder())
        }
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    @Test func handWrittenContainersAreClosedInOrder() throws {
        #expect(try Self.writer(HandWritten()) == #"{"a":1,"nested":{"a":"n","list":[1,{"a":true},2]},"again":{},"super":{}}"#)
        #expect(try Self.sameValue(HandWritten()))
        #expect(try Self.writer(Nothing()) == "{}")
        #expect(try Self.writer([Nothing()]) == "[{}]")
    }

    struct Stale: Encodable {
        enum Keys: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var nested = outer.nestedContainer(keyedBy: Keys.self, forKey: .a)
            try outer.encode(1, forKey: .b)
            try nested.encode(2, forKey: .a)
        }
    }

    @Test func writingToAContainerItsParentLeftIsRefused() {
        #expect(throws: EncodingError.self) { try JSONWriter.encode(Stale()) }
    }
}
