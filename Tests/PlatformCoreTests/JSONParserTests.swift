import Foundation
import PlatformCore
import Testing

/// `JSONParser` reads what Foundation's decoder reads, and refuses what it refuses.
@Suite struct JSONParserTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"null"#, #"true"#, #"false"#, #"0"#, #"-0"#, #"12"#, #"-12.5"#, #"1e3"#, #"1.5E-2"#, #"-2e+2"#,
        #"123456789012345"#, #"1234567890123456789"#, #"0.1"#, #""plain""#, #""a\"b\\c\/d\b\f\n\r\t""#, #""\u00e9\u20AC\ud834\udd1e""#,
        #""héllo 👩‍💻""#, #" { "a" : [ 1 , { "b" : null } , "c" ] , "d" : { } } "#, #"[[[[[]]]]]"#,
        #"{"metadata":{"tags":["x","y"],"score":0.75,"ok":true}}"#,
    ])
    func readsWhatFoundationReads(_ text: String) throws {
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try Self.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "[1 2]", #"{"a"}"#, #"{"a":}"#, #"{a:1}"#, "tru", "nul", "01", "1.", ".5", "-", "1e", "+1", #""open"#,
        "\"tab\there\"", #""\x""#, #""\u12""#, #""\ud834""#, #""\udd1e""#, "[1] x", "NaN", "1e999", "{\"a\":1}}",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try Self.parse(text) }
    }

    /// As `jsonb` does (Foundation keeps the first).
    @Test func aRepeatedKeyKeepsTheLastValue() throws {
        #expect(try Self.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func refusesInvalidUTF8AndDeepNesting() throws {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")]) }
        #expect(throws: JSONParser.Failure.self) { try Self.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
        #expect(try Self.parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500)) != .null)
    }

    @Test func writerOutputReadsBackUnchanged() throws {
        let value: JSONValue = ["s": "quote \" slash / ctl \u{1} é 𝄞", "n": [0, -1, .number(2.5), .number(1e300)], "o": ["nested": [true, false, .null]], "e": [:]]
        #expect(try JSONParser.parse(JSONWriter.encode(value)) == value)
    }
}
