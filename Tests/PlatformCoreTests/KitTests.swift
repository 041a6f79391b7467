import Foundation
import Testing
@testable import PlatformCore

@Suite struct QueryDecoderTests {
    enum Stage: String, SchemaEnum { case lead, won, lost }

    struct Filter: QueryParameters {
        let owner: UUID?
        let stage: Stage?
        let archived: Bool?
        let since: Date?
        let tags: [String]?
        let ids: [UUID]?
        let score: Double?
        let page: Page

        enum CodingKeys: String, CodingKey { case owner, stage, archived, since, tags, ids, score, page }
    }

    func decode(_ query: [(String, String)]) throws -> Filter { try QueryDecoder().decode(Filter.self, from: query) }

    @Test func typedParametersAndTheirAbsence() throws {
        let id = UUID()
        let full = try decode([
            ("owner", id.uuidString.lowercased()), ("stage", "won"), ("archived", "false"), ("since", "2026-01-02"),
            ("tags", "a,b"), ("tags", "c"), ("ids", "\(id),\(id)"), ("score", "2.5"), ("page", "3"), ("page_size", "20"),
        ])
        #expect(full.owner == id)
        #expect(full.stage == .won)
        #expect(full.archived == false, "a boolean filter is tri-state: false is not absent")
        #expect(full.since == ISO8601.date(from: "2026-01-02T00:00:00Z"))
        #expect(full.tags == ["a", "b", "c"])
        #expect(full.ids == [id, id])
        #expect(full.score == 2.5)
        #expect(full.page == Page(limit: 20, offset: 40))

        let none = try decode([])
        #expect(none.owner == nil && none.stage == nil && none.archived == nil && none.tags == nil)
        #expect(none.page == Page())
        #expect(throws: AppError.self, "an empty value is not an absent one") { try decode([("archived", "")]) }
        #expect(throws: AppError.self) { try decode([("owner", "")]) }
    }

    @Test(arguments: [
        ("owner", "nope", "owner"), ("stage", "maybe", "stage"), ("archived", "perhaps", "archived"),
        ("since", "yesterday", "since"), ("ids", "x,y", "ids"), ("score", "NaN", "score"), ("limit", "-1", "limit"),
        ("page", "0", "page"), ("offset", "a", "offset"), ("tags", "a,b\0c", "tags"),
    ])
    func malformedParametersAreA400NamingThem(name: String, value: String, named: String) throws {
        let error = #expect(throws: AppError.self) { try decode([(name, value)]) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "invalid_query")
        #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
    }

    @Test func pageAliases() throws {
        func page(_ query: [(String, String)]) throws -> Page { try QueryDecoder().decode(Page.self, from: query) }
        #expect(try page([]) == Page(limit: 50, offset: 0))
        #expect(try page([("limit", "10"), ("offset", "30")]) == Page(limit: 10, offset: 30))
        #expect(try page([("skip", "5"), ("limit", "5")]) == Page(limit: 5, offset: 5))
        #expect(try page([("page", "2"), ("page_size", "25")]) == Page(limit: 25, offset: 25))
        #expect(try page([("limit", "1000")]).limit == 200)
        #expect(try page([("limit", "0")]).limit == 1)
    }

    @Test func cursorsTakeOneAnchor() throws {
        let id = UUID()
        #expect(try QueryDecoder().decode(CursorQuery.self, from: []) == CursorQuery())
        #expect(try QueryDecoder().decode(CursorQuery.self, from: [("before", id.uuidString), ("limit", "20")]) == CursorQuery(.before(id), limit: 20))
        #expect(try QueryDecoder().decode(CursorQuery.self, from: [("around", id.uuidString)]).anchor == .around(id))
        #expect(throws: AppError.self) { try QueryDecoder().decode(CursorQuery.self, from: [("before", id.uuidString), ("after", id.uuidString)]) }
    }
}

@Suite struct KitTests {
    struct Model: Codable {
        let id: UUID
        let ids: [UUID]
        let owner: UUID?
        let missing: UUID?
        let at: Date
    }

    @Test func modelsWriteLowerCaseUUIDsAndISODates() throws {
        let id = UUID(uuidString: "3050B31F-7C1E-4D2A-9F5B-8E6D4C2B1A09")!
        let json = String(decoding: try JSONEncoder.platform.encode(Model(id: id, ids: [id], owner: id, missing: nil, at: Date(timeIntervalSince1970: 0))), as: UTF8.self)
        #expect(json.contains("\"3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09\""))
        #expect(!json.contains("3050B31F"))
        #expect(json.contains("\"1970-01-01T00:00:00Z\""))
        #expect(!json.contains("missing"))
        let back = try JSONDecoder.platform.decode(Model.self, from: Data(json.utf8))
        #expect(back.id == id && back.ids == [id])
    }

    @Test func datesAreReadInEveryISOForm() {
        #expect(ISO8601.date(from: "2026-11-30T15:36:44Z") == Date(timeIntervalSince1970: 1_796_053_004))
        #expect(ISO8601.date(from: "2026-11-30T15:36:44.250Z") == Date(timeIntervalSince1970: 1_796_053_004.25))
        #expect(ISO8601.date(from: "2026-11-30T16:36:44+01:00") == Date(timeIntervalSince1970: 1_796_053_004))
        #expect(ISO8601.date(from: "2026-11-30") == Date(timeIntervalSince1970: 1_795_996_800))
        #expect(ISO8601.date(from: "30/11/2026") == nil)
        #expect(ISO8601.date(from: "soon") == nil)
    }

    @Test func oneValidationReportsEveryBadField() {
        var check = Validation()
        let name = check.text("  Ada  ", "name", length: 1...10)
        _ = check.text("", "title", length: 1...10)
        check.require(false, "scopes", "must name at least one scope")
        check.require(false, "scopes", "a second problem with the same field is not reported")
        #expect(name == "Ada")
        let error = #expect(throws: AppError.self) { try check.finish("bad") }
        #expect(error?.status == .unprocessableContent)
        #expect(error?.details == ["fields": ["title": "must be 1 to 10 characters", "scopes": "must name at least one scope"]])
    }

    @Test func aJSONObjectFieldRefusesAnythingElse() throws {
        struct Body: Decodable { let data: JSONObject }
        #expect(try JSONDecoder().decode(Body.self, from: Data(#"{"data":{"a":1}}"#.utf8)).data["a"] == 1)
        for bad in [#"{"data":[1]}"#, #"{"data":"x"}"#, #"{"data":null}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Body.self, from: Data(bad.utf8)) }
        }
    }

    @Test func endpointsBuildTheirURLs() {
        let endpoint = Endpoint(.get, "/api/v1/things/{thing_id}/parts/{part_id}", "A part", returns: NoContent.self)
        #expect(endpoint.pathParameters == ["thing_id", "part_id"])
        let thing = UUID(uuidString: "3050B31F-7C1E-4D2A-9F5B-8E6D4C2B1A09")!
        #expect(endpoint.url(["thing_id": thing, "part_id": thing]) == "/api/v1/things/3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09/parts/3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09")
    }

    @Test func aPatchRoundTripsItsThreeStates() throws {
        struct Change: Codable { var name: Patch<String>; var note: Patch<String> }
        let decoded = try JSONDecoder().decode(Change.self, from: Data(#"{"note":null}"#.utf8))
        #expect(decoded.name == .absent && decoded.note == .null)
        let encoded = String(decoding: try JSONEncoder().encode(Change(name: .value("x"), note: .absent)), as: UTF8.self)
        #expect(encoded == #"{"name":"x"}"#)
        #expect(Patch<String>.null.clearingTo("") == .value(""))
        #expect(Patch<String>.absent.clearingTo("") == .absent)
    }
}
