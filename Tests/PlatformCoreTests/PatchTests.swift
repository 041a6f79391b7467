import Foundation
import PlatformCore
import Testing

@Suite struct PatchTests {
    func decode(_ text: String) throws -> P {
        try JSONDecoder().decode(P.self, from: Data(text.utf8))
    }

    @Test func nullAndAbsentAreDistinct() throws {
        let patch = try decode(#"{"name": null}"#)
        #expect(patch.name == .null)
        #expect(patch.note == .absent)
    }

    @Test func valuesAndEmptyObject() throws {
        let patch = try decode(#"{"name": "Ada", "note": null}"#)
        #expect(patch.name == .value("Ada"))
        #expect(patch.note == .null)
        let empty = try decode("{}")
        #expect(empty.name == .absent && empty.note == .absent)
    }

    @Test func wrongTypeStillFails() {
        #expect(throws: DecodingError.self) { try decode(#"{"name": 5}"#) }
    }

    @Test func singleValueFormDecodesNullAndValues() throws {
        let values = try JSONDecoder().decode([Patch<Int>].self, from: Data("[null, 3]".utf8))
        #expect(values == [.null, .value(3)])
    }
}
