@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import PlatformTesting
import Testing
import TenantPlane

/// The record list's filters, sort, projection and search, and what a hostile query string gets.
@Suite struct RecordFilterTests {
    static let people: [JSONValue] = [
        ["name": "Ada Lovelace", "city": "London", "amount": 120, "signed": "2026-01-15", "skills": ["math", "poetry"], "address": ["zip": "N1"]],
        ["name": "Grace Hopper", "city": "New York", "amount": .number(80.5), "signed": "2026-03-01T09:30:00Z", "skills": ["cobol"]],
        ["name": "Alan Turing", "city": "London", "amount": "lots", "signed": "not a date", "address": ["zip": "M1"]],
        ["name": "Edsger Dijkstra", "city": .null, "amount": 300, "signed": "2025-12-31"],
        ["name": "Barbara Liskov", "amount": 80, "nickname": "O'Brien \\ 100%"],
    ]

    func names(_ response: JSONResponse) -> [String] {
        response.json["items"]?.arrayValue?.compactMap { $0["data"]?["name"]?.stringValue } ?? []
    }

    @Test func filtersSortAndProjectOverTheData() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "People"], headers: headers).json["id"]?.stringValue)
            for (index, person) in Self.people.enumerated() {
                let created = try await client.request(.post, "/api/v1/records", json: [
                    "recordset_id": .string(set), "data": person, "status": index < 2 ? "active" : "lead", "tags": index == 0 ? ["vip"] : [],
                ], headers: headers)
                #expect(created.status == .created)
            }
            func list(_ query: [String: String]) async throws -> JSONResponse {
                var components = URLComponents()
                components.queryItems = [URLQueryItem(name: "recordset_id", value: set)] + query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
                let encoded = components.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
                return try await client.request(.get, "/api/v1/records?\(encoded)", headers: headers)
            }
            func found(_ query: [String: String]) async throws -> Set<String> { Set(names(try await list(query))) }

            #expect(try await found(["column_filters": #"{"city":"London"}"#]) == ["Ada Lovelace", "Alan Turing"])
            #expect(try await found(["column_filters": #"[{"field":"city","operator":"ne","value":"London"}]"#]) == ["Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"])
            #expect(try await found(["column_filters": #"{"city":{"in":["New York","London"]}}"#]) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"])
            #expect(try await found(["column_filters": #"{"name":{"contains":"RA"}}"#]) == ["Grace Hopper", "Barbara Liskov", "Edsger Dijkstra"])
            #expect(try await found(["column_filters": #"{"skills":{"contains":"cobol"}}"#]) == ["Grace Hopper"])
            #expect(try await found(["column_filters": #"{"city":{"is_null":true}}"#]) == ["Edsger Dijkstra", "Barbara Liskov"])
            #expect(try await found(["column_filters": #"{"address.zip":"N1"}"#]) == ["Ada Lovelace"], "nested fields by dots")
            #expect(try await found(["column_filters": #"{"nickname":{"contains":"'Brien \\ 100%"}}"#]) == ["Barbara Liskov"], "quotes, backslashes and % are literal")
            #expect(try await found(["numeric_filters": #"{"amount":{"gte":80,"lt":121}}"#]) == ["Ada Lovelace", "Grace Hopper", "Barbara Liskov"])
            #expect(try await found(["numeric_filters": #"[{"field":"amount","op":"gt","value":100}]"#]) == ["Ada Lovelace", "Edsger Dijkstra"], "a text amount is not a number")
            #expect(try await found(["numeric_filters": #"{"amount":{"in":[80,300]}}"#]) == ["Edsger Dijkstra", "Barbara Liskov"])
            #expect(try await found(["date_filters": #"{"signed":{"gte":"2026-01-01"}}"#]) == ["Ada Lovelace", "Grace Hopper"], "a text that is no date is skipped")
            #expect(try await found(["date_filters": #"{"signed":{"lt":"2026-03-01T09:30:00Z"}}"#]) == ["Ada Lovelace", "Edsger Dijkstra"])
            #expect(try await found(["date_filters": #"{"created_at":{"gte":"2000-01-01"}}"#]).count == 5, "the record's own created_at")
            #expect(try await found(["column_filters": #"{"city":"London"}"#, "numeric_filters": #"{"amount":{"gt":0}}"#]) == ["Ada Lovelace"], "filters combine")
            #expect(try await found(["status": "lead"]) == ["Alan Turing", "Edsger Dijkstra", "Barbara Liskov"])
            #expect(try await found(["status": "active,lead", "tags": "vip"]) == ["Ada Lovelace"])

            // Full text over every string and number, each word a prefix.
            #expect(try await found(["search": "lond"]) == ["Ada Lovelace", "Alan Turing"])
            #expect(try await found(["search": "ada LOND"]) == ["Ada Lovelace"])
            #expect(try await found(["search": "poetry"]) == ["Ada Lovelace"], "inside arrays too")
            #expect(try await found(["search": "nobody"]).isEmpty)

            let sorted = try await list(["sort_by": "amount", "sort_order": "desc"])
            #expect(names(sorted) == ["Edsger Dijkstra", "Ada Lovelace", "Grace Hopper", "Barbara Liskov", "Alan Turing"], "JSON order: numbers above strings")
            let numeric = try await list(["sort_by": "amount", "numeric_filters": #"{"amount":{"gte":0}}"#])
            #expect(names(numeric) == ["Barbara Liskov", "Grace Hopper", "Ada Lovelace", "Edsger Dijkstra"])
            let byCity = try await list(["sort_by": "city"])
            #expect(names(byCity).suffix(2).sorted() == ["Barbara Liskov", "Edsger Dijkstra"], "missing and null last")
            #expect(names(try await list(["sort_by": "created_at", "sort_order": "desc", "limit": "1"])) == ["Barbara Liskov"])

            let projected = try await list(["fields": "name,city", "limit": "1"])
            #expect(projected.json["items"]?[0]?["data"] == ["name": "Ada Lovelace", "city": "London"])
            #expect(projected.json["total"]?.intValue == 5)
            let paged = try await list(["column_filters": #"{"city":"London"}"#, "page": "2", "page_size": "1"])
            #expect(names(paged) == ["Alan Turing"] && paged.json["total"]?.intValue == 2)
            #expect(try await client.request(.get, "/api/v1/crud/records?recordset_id=\(set)&status=lead", headers: headers).json["total"]?.intValue == 3)

            for bad in [
                ["column_filters": "{not json"], ["column_filters": "42"], ["column_filters": #"[{"field":"city","operator":"like","value":"x"}]"#],
                ["numeric_filters": #"{"amount":{"gt":"ten"}}"#], ["date_filters": #"{"signed":{"gt":"yesterday"}}"#],
                ["column_filters": #"{"city":{"in":"London"}}"#], ["numeric_filters": #"{"amount":{"contains":1}}"#],
                ["column_filters": #"{"a..b":1}"#], ["sort_order": "sideways"], ["sort_by": ""],
            ] {
                let response = try await list(bad)
                #expect(response.status == .badRequest && response.errorCode == "invalid_query", "\(bad) → \(response.status)")
            }
        }
    }

    /// Field names, operators, sort keys and search words from the query string only ever reach
    /// PostgreSQL as bound values: every classic injection is a harmless (empty) answer or a 400,
    /// and the data is untouched.
    @Test func hostileQueryStringsReachSQLOnlyAsValues() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "People"], headers: headers).json["id"]?.stringValue)
            for person in Self.people {
                _ = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": person], headers: headers)
            }
            let payloads = [
                "name'); DROP TABLE records; --", "name\" = '' OR 1=1 --", "x' OR '1'='1", "data)::text; SELECT pg_sleep(5); --",
                "1; DELETE FROM recordsets", "name\\'", "' UNION SELECT * FROM control.users --", "%' OR 1=1 --",
            ]
            for payload in payloads {
                let field = payload.replacingOccurrences(of: ".", with: "_")
                for (parameter, json) in [
                    ("column_filters", JSONValue.object([field: "x"])), ("numeric_filters", .object([field: ["gt": 1]])),
                    ("date_filters", .object([field: ["gte": "2020-01-01"]])), ("column_filters", .object(["name": .object(["contains": .string(payload)])])),
                    ("column_filters", .object(["name": .string(payload)])),
                ] {
                    let text = String(data: try JSONEncoder().encode(json), encoding: .utf8)!
                    let response = try await client.request(.get, "/api/v1/records?recordset_id=\(set)&\(parameter)=\(Self.encode(text))", headers: headers)
                    #expect(response.status == .ok && response.json["total"]?.intValue == 0, "\(parameter) \(text) → \(response.status) \(response.text.prefix(200))")
                }
                for (parameter, expected) in [("sort_by", HTTPResponse.Status.ok), ("search", .ok), ("fields", .ok), ("status", .ok), ("tags", .ok)] {
                    let response = try await client.request(.get, "/api/v1/records?recordset_id=\(set)&\(parameter)=\(Self.encode(payload))", headers: headers)
                    #expect(response.status == expected, "\(parameter)=\(payload) → \(response.status) \(response.text.prefix(200))")
                }
                let op = try await client.request(.get, "/api/v1/records?column_filters=\(Self.encode("[{\"field\":\"name\",\"operator\":\"\(payload.replacingOccurrences(of: "\"", with: ""))\",\"value\":1}]"))", headers: headers)
                #expect(op.errorCode == "invalid_query", "an operator is one of a closed set")
            }
            for search in ["a & | ! ( ) :* <->", "'", "\\", "''''", "!!!", "lond:*B"] {
                let response = try await client.request(.get, "/api/v1/records?recordset_id=\(set)&search=\(Self.encode(search))", headers: headers)
                #expect(response.status == .ok, "search \(search) → \(response.status) \(response.text.prefix(200))")
            }
            let after = try await client.request(.get, "/api/v1/records?recordset_id=\(set)", headers: headers)
            #expect(after.json["total"]?.intValue == Self.people.count, "nothing was deleted")
            let tables = try await platform.withDatabase { db in
                try await db.value(Int.self, "SELECT count(*)::int FROM \(SchemaName.tenant(owner.workspaceID).table("recordsets"))", logger: TestDatabase.logger)
            }
            #expect(tables == 1)
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    /// A common match is paged by walking the order's index, a rare one by gathering the matches
    /// first; either way the page is the same slice of the same order.
    @Test func commonAndRareMatchesPageAlike() async throws {
        #expect(!RecordListPlan.collectsMatchesFirst(total: 2_000, of: 10_000, upTo: 50), "reads 250 rows walking")
        #expect(RecordListPlan.collectsMatchesFirst(total: 10, of: 100_000, upTo: 50), "reads 10 rows gathering")
        #expect(!RecordListPlan.collectsMatchesFirst(total: 10_000, of: 100_000, upTo: 50), "too many to gather")
        #expect(RecordListPlan.collectsMatchesFirst(total: 10, of: nil, upTo: 50), "no recordset: gather what is few")

        try await TestPlatform.run { client, platform in
            let headers = try await platform.account(.alice, via: client).headers()
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Numbers"], headers: headers).json["id"]?.stringValue)
            for n in 0..<60 {
                let data: JSONValue = ["n": .number(Double(n)), "common": .bool(n % 3 != 0), "rare": .bool(n % 20 == 7)]
                #expect(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": data], headers: headers).status == .created)
            }
            func page(_ field: String, offset: Int) async throws -> (total: Int?, numbers: [Int]) {
                let filter = #"{"\#(field)":true}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let listed = try await client.request(
                    .get, "/api/v1/records?recordset_id=\(set)&column_filters=\(filter)&limit=10&offset=\(offset)", headers: headers)
                let numbers = listed.json["items"]?.arrayValue?.compactMap { $0["data"]?["n"]?.numberValue.map(Int.init) } ?? []
                return (listed.json["total"]?.numberValue.map(Int.init), numbers)
            }
            // 40 of 60 match: 40² ≥ 20 × 60, so the second page is found by walking.
            let common = try await page("common", offset: 10)
            #expect(common.total == 40)
            #expect(common.numbers == Array((0..<60).filter { $0 % 3 != 0 }[10..<20]))
            // 3 of 60 match: gathered, then sorted.
            let rare = try await page("rare", offset: 0)
            #expect(rare.total == 3)
            #expect(rare.numbers == [7, 27, 47])
        }
    }
}
