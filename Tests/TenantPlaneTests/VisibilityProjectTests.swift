import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// AI-visibility projects, competitors and queries (docs/visibility.md): every route, validation,
/// duplicate reporting, archive semantics, another workspace's ids, and who may do what.
@Suite(.serialized) struct VisibilityProjectTests {
    struct Caller {
        let client: any TestClientProtocol
        let headers: HTTPFields

        func request(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> JSONResponse {
            try await client.request(method, "/api/v1/visibility" + path, json: body, headers: headers)
        }

        func project(_ fields: [String: JSONValue], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
            let response = try await request(.post, "/projects", .object(fields))
            #expect(response.status == .created, "\(response.text)", sourceLocation: sourceLocation)
            return try #require(response.json["id"]?.stringValue, sourceLocation: sourceLocation)
        }

        func ids(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
            let response = try await request(.get, path)
            #expect(response.status == .ok, "GET \(path): \(response.text)", sourceLocation: sourceLocation)
            return response.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        }
    }

    @Test func projectsCreateReadUpdateReplaceAndArchive() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let api = Caller(client: client, headers: owner.headers())
            let me = try #require(try await client.request(.get, "/api/v1/members/me", headers: owner.headers()).json["id"]?.stringValue)

            // Defaults, and brand_domains derived from website_url.
            let created = try await api.request(.post, "/projects", [
                "name": " Acme CRM ", "brand_name": "Acme", "brand_aliases": ["Acme CRM", "acme crm", "AcmeCRM"], "website_url": "https://www.Acme.com/about",
            ])
            #expect(created.status == .created, "\(created.text)")
            let acme = try #require(created.json["id"]?.stringValue)
            #expect(created.json["name"] == "Acme CRM" && created.json["brand_aliases"] == ["Acme CRM", "AcmeCRM"], "trimmed, repeats dropped ignoring case")
            #expect(created.json["brand_domains"] == ["acme.com"], "derived from website_url")
            #expect(created.json["locale"] == "en-US" && created.json["setup_status"] == "DRAFT" && created.json["default_providers"] == [])
            #expect(created.json["default_repetitions"]?.intValue == 1 && created.json["created_by"]?.stringValue == me && created.json["archived_at"] == nil)
            let globex = try await api.project([
                "name": "Globex", "brand_name": "Globex", "brand_domains": ["https://globex.io/", "GLOBEX.io", "globex.co.uk"], "locale": "fr_FR",
                "setup_status": "COMPLETE", "default_providers": ["perplexity", "openai"], "default_repetitions": 3,
            ])
            let shown = try await api.request(.get, "/projects/\(globex)")
            #expect(shown.json["brand_domains"] == ["globex.io", "globex.co.uk"] && shown.json["locale"] == "fr-FR")
            #expect(shown.json["default_providers"] == ["perplexity", "openai"] && shown.json["default_repetitions"]?.intValue == 3)
            #expect(try await api.request(.get, "/projects/\(UUID())").errorCode == "project_not_found")

            // Lists: newest first, by setup status (B15), paged.
            #expect(try await api.ids("/projects") == [globex, acme])
            #expect(try await api.ids("/projects?status=COMPLETE") == [globex])
            #expect(try await api.ids("/projects?status=DRAFT") == [acme])
            #expect(try await api.ids("/projects?status=DRAFT,COMPLETE") == [globex, acme])
            #expect(try await api.request(.get, "/projects?status=READY").errorCode == "invalid_query")
            let page = try await api.request(.get, "/projects?limit=1&offset=1")
            #expect(page.json["items"]?[0]?["id"]?.stringValue == acme && page.json["total"]?.intValue == 2 && page.json["limit"]?.intValue == 1)

            // Validation: every bad field in one 422.
            let invalid = try await api.request(.post, "/projects", [
                "name": " ", "brand_name": "", "website_url": "ftp://acme", "brand_domains": ["not a domain"], "locale": "english!",
                "default_providers": ["openai", "bing"], "default_repetitions": 6,
            ])
            #expect(invalid.status == .unprocessableContent)
            let fields = invalid.json["error"]?["details"]?["fields"]?.objectValue?.keys.sorted() ?? []
            #expect(fields == ["brand_domains", "brand_name", "default_providers", "default_repetitions", "locale", "name", "website_url"], "\(fields)")
            #expect(try await api.request(.post, "/projects", ["name": "x"]).status == .unprocessableContent, "brand_name is required")

            // PATCH: what is sent; a new website_url fills empty domains; null resets.
            let patched = try await api.request(.patch, "/projects/\(acme)", ["setup_status": "COMPLETE", "brand_domains": [], "default_repetitions": 2])
            #expect(patched.status == .ok && patched.json["setup_status"] == "COMPLETE" && patched.json["brand_domains"] == [])
            #expect(patched.json["name"] == "Acme CRM" && patched.json["default_repetitions"]?.intValue == 2)
            let moved = try await api.request(.patch, "/projects/\(acme)", ["website_url": "https://acme.io"])
            #expect(moved.json["website_url"] == "https://acme.io" && moved.json["brand_domains"] == ["acme.io"])
            let kept = try await api.request(.patch, "/projects/\(acme)", ["website_url": "https://acme.net", "locale": .null, "brand_aliases": .null])
            #expect(kept.json["brand_domains"] == ["acme.io"], "domains already set stay")
            #expect(kept.json["locale"] == "en-US" && kept.json["brand_aliases"] == [])
            #expect(try await api.request(.patch, "/projects/\(acme)", ["name": .null]).status == .unprocessableContent)
            #expect(try await api.request(.patch, "/projects/\(acme)", ["setup_status": "READY"]).status.code / 100 == 4)
            #expect(try await api.request(.patch, "/projects/\(UUID())", ["name": "x"]).errorCode == "project_not_found")

            // PUT: what is left out takes its default.
            let replaced = try await api.request(.put, "/projects/\(acme)", ["name": "Acme", "brand_name": "Acme Corp"])
            #expect(replaced.status == .ok && replaced.json["brand_name"] == "Acme Corp" && replaced.json["website_url"] == nil)
            #expect(replaced.json["brand_domains"] == [] && replaced.json["setup_status"] == "DRAFT" && replaced.json["default_repetitions"]?.intValue == 1)
            #expect(try await api.request(.put, "/projects/\(UUID())", ["name": "x", "brand_name": "x"]).errorCode == "project_not_found")

            // Archive: 404 everywhere but the archived list.
            _ = try await api.request(.put, "/projects/\(acme)/competitors", ["competitors": [["name": "Globex"]]])
            _ = try await api.request(.post, "/projects/\(acme)/queries", ["queries": [["text": "best crm?"]]])
            let query = try #require(try await api.ids("/projects/\(acme)/queries").first)
            #expect(try await api.request(.delete, "/projects/\(acme)").status == .noContent)
            #expect(try await api.ids("/projects") == [globex])
            let archived = try await api.request(.get, "/projects?archived=true")
            #expect(archived.json["items"]?.arrayValue?.count == 1 && archived.json["items"]?[0]?["id"]?.stringValue == acme)
            #expect(archived.json["items"]?[0]?["archived_at"]?.stringValue != nil)
            let gone: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "/projects/\(acme)", nil), (.patch, "/projects/\(acme)", ["name": "x"]), (.put, "/projects/\(acme)", ["name": "x", "brand_name": "x"]),
                (.delete, "/projects/\(acme)", nil), (.get, "/projects/\(acme)/competitors", nil), (.put, "/projects/\(acme)/competitors", ["competitors": []]),
                (.get, "/projects/\(acme)/queries", nil), (.post, "/projects/\(acme)/queries", ["queries": [["text": "new"]]]),
                (.patch, "/projects/\(acme)/queries/\(query)", ["is_active": false]), (.put, "/projects/\(acme)/queries/\(query)", ["text": "x"]),
                (.delete, "/projects/\(acme)/queries/\(query)", nil),
            ]
            for (method, path, body) in gone {
                let response = try await api.request(method, path, body)
                #expect(response.status == .notFound && response.errorCode == "project_not_found", "archived: \(method) \(path) → \(response.status)")
            }
        }
    }

    @Test func competitorsAreReplacedAtOnce() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let api = Caller(client: client, headers: owner.headers())
            let project = try await api.project(["name": "Acme", "brand_name": "Acme"])
            #expect(try await api.request(.get, "/projects/\(project)/competitors").json["items"] == [])

            let first = try await api.request(.put, "/projects/\(project)/competitors", ["competitors": [
                ["name": "Initech", "aliases": ["Initech Inc"], "domains": ["https://www.initech.com"]], ["name": "Globex"],
            ]])
            #expect(first.status == .ok && first.json["total"]?.intValue == 2)
            #expect(first.json["items"]?[0]?["name"] == "Globex" && first.json["items"]?[1]?["domains"] == ["initech.com"], "by name; domains normalised")
            let globex = try #require(first.json["items"]?[0]?["id"]?.stringValue)
            let initech = try #require(first.json["items"]?[1]?["id"]?.stringValue)

            // A kept name (ignoring case) keeps its id; a left-out one goes; a new one comes.
            let second = try await api.request(.put, "/projects/\(project)/competitors", ["competitors": [
                ["name": "GLOBEX", "domains": ["globex.io"]], ["name": "Umbrella"],
            ]])
            let items = second.json["items"]?.arrayValue ?? []
            #expect(items.map { $0["name"] } == ["GLOBEX", "Umbrella"])
            #expect(items[0]["id"]?.stringValue == globex && items[0]["domains"] == ["globex.io"])
            #expect(!items.contains { $0["id"]?.stringValue == initech })
            #expect(try await api.request(.get, "/projects/\(project)/competitors").json["items"]?.arrayValue == items)

            // All or nothing: a bad entry changes nothing.
            let invalid = try await api.request(.put, "/projects/\(project)/competitors", ["competitors": [
                ["name": "Hooli"], ["name": "hooli"], ["name": " ", "domains": ["nope nope"]],
            ]])
            #expect(invalid.status == .unprocessableContent)
            let problems = invalid.json["error"]?["details"]?["fields"]
            #expect(problems?["competitors"] != nil && problems?["competitors[2].name"] != nil && problems?["competitors[2].domains"] != nil)
            let tooMany = JSONValue.array((0...100).map { .object(["name": .string("Brand \($0)")]) })
            #expect(try await api.request(.put, "/projects/\(project)/competitors", ["competitors": tooMany]).status == .unprocessableContent)
            #expect(try await api.request(.get, "/projects/\(project)/competitors").json["items"]?.arrayValue == items)

            let emptied = try await api.request(.put, "/projects/\(project)/competitors", ["competitors": []])
            #expect(emptied.status == .ok && emptied.json["items"] == [] && emptied.json["total"]?.intValue == 0)
            #expect(try await api.request(.get, "/projects/\(UUID())/competitors").errorCode == "project_not_found")
        }
    }

    @Test func queriesAreAddedInBatchesWithDuplicatesReported() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let api = Caller(client: client, headers: owner.headers())
            let project = try await api.project(["name": "Acme", "brand_name": "Acme"])
            let other = try await api.project(["name": "Other", "brand_name": "Other"])

            let first = try await api.request(.post, "/projects/\(project)/queries", ["queries": [
                ["text": " Best CRM for agencies? ", "query_type": "CATEGORY", "category_tier": "safety", "query_focus": "Product"],
                ["text": "Acme vs Globex"], ["text": "best crm for AGENCIES?"],
            ]])
            #expect(first.status == .created, "\(first.text)")
            let created = first.json["created"]?.arrayValue ?? []
            #expect(created.map { $0["text"] } == ["Best CRM for agencies?", "Acme vs Globex"])
            #expect(created[0]["query_type"] == "CATEGORY" && created[0]["category_tier"] == "SAFETY" && created[0]["query_focus"] == "PRODUCT")
            #expect(created[0]["source"] == "MANUAL" && created[0]["is_active"] == true && created[0]["project_id"]?.stringValue == project)
            #expect(created[1]["query_type"] == nil && created[1]["category_tier"] == nil)
            #expect(first.json["duplicates"] == [["text": "best crm for AGENCIES?", "reason": "batch"]])
            let best = try #require(created[0]["id"]?.stringValue)
            let versus = try #require(created[1]["id"]?.stringValue)

            // Against the project's queries, active or not; another project's texts do not count.
            #expect(try await api.request(.delete, "/projects/\(project)/queries/\(versus)").status == .noContent)
            let second = try await api.request(.post, "/projects/\(project)/queries", ["source": "IMPORTED", "queries": [
                ["text": "ACME VS GLOBEX"], ["text": "Is Acme safe?"], ["text": "BEST crm for agencies?"], ["text": "is acme SAFE?"],
            ]])
            #expect(second.status == .created)
            #expect(second.json["created"]?.arrayValue?.map { $0["text"] } == ["Is Acme safe?"] && second.json["created"]?[0]?["source"] == "IMPORTED")
            #expect(second.json["duplicates"] == [
                ["text": "ACME VS GLOBEX", "reason": "existing", "existing_query_id": .string(versus), "existing_is_active": false],
                ["text": "BEST crm for agencies?", "reason": "existing", "existing_query_id": .string(best), "existing_is_active": true],
                ["text": "is acme SAFE?", "reason": "batch"],
            ])
            let elsewhere = try await api.request(.post, "/projects/\(other)/queries", ["queries": [["text": "Acme vs Globex"]]])
            #expect(elsewhere.json["created"]?.arrayValue?.count == 1 && elsewhere.json["duplicates"] == [])
            let allDuplicates = try await api.request(.post, "/projects/\(project)/queries", ["queries": [["text": "acme vs globex"]]])
            #expect(allDuplicates.status == .created && allDuplicates.json["created"] == [])

            // Lists: in the order added, by activity, paged.
            let safe = try #require(second.json["created"]?[0]?["id"]?.stringValue)
            #expect(try await api.ids("/projects/\(project)/queries") == [best, versus, safe])
            #expect(try await api.ids("/projects/\(project)/queries?active=true") == [best, safe])
            #expect(try await api.ids("/projects/\(project)/queries?active=false") == [versus])
            let page = try await api.request(.get, "/projects/\(project)/queries?limit=2&offset=2")
            #expect(page.json["items"]?.arrayValue?.count == 1 && page.json["total"]?.intValue == 3)
            #expect(try await api.request(.get, "/projects/\(project)/queries?active=maybe").errorCode == "invalid_query")

            // PATCH and PUT; a text another query has is 409; the id must be this project's.
            let back = try await api.request(.patch, "/projects/\(project)/queries/\(versus)", ["is_active": true, "query_type": "COMPARISON"])
            #expect(back.status == .ok && back.json["is_active"] == true && back.json["query_type"] == "COMPARISON" && back.json["text"] == "Acme vs Globex")
            #expect(try await api.request(.patch, "/projects/\(project)/queries/\(versus)", ["text": "IS ACME SAFE?"]).errorCode == "query_exists")
            let recased = try await api.request(.patch, "/projects/\(project)/queries/\(safe)", ["text": "Is ACME safe?", "category_tier": .null])
            #expect(recased.status == .ok && recased.json["text"] == "Is ACME safe?", "its own text in another case is fine")
            let put = try await api.request(.put, "/projects/\(project)/queries/\(best)", ["text": "Best CRM for small agencies?", "query_focus": "pricing"])
            #expect(put.status == .ok && put.json["query_type"] == nil && put.json["category_tier"] == nil && put.json["query_focus"] == "PRICING")
            #expect(try await api.request(.delete, "/projects/\(project)/queries/\(best)").status == .noContent)
            #expect(try await api.request(.put, "/projects/\(project)/queries/\(best)", ["text": "Best CRM for small agencies?"]).json["is_active"] == true,
                    "PUT makes it active")
            let foreign = try #require(elsewhere.json["created"]?[0]?["id"]?.stringValue)
            for (method, body) in [(HTTPRequest.Method.patch, JSONValue.object(["is_active": false])), (.put, ["text": "x"]), (.delete, nil)] {
                let response = try await api.request(method, "/projects/\(project)/queries/\(foreign)", body)
                #expect(response.status == .notFound && response.errorCode == "query_not_found", "another project's query: \(method)")
            }
            #expect(try await api.request(.delete, "/projects/\(project)/queries/\(UUID())").errorCode == "query_not_found")

            // Validation: the batch's size and every bad query named.
            let bad = try await api.request(.post, "/projects/\(project)/queries", ["queries": [
                ["text": ""], ["text": .string(String(repeating: "x", count: 501))], ["text": "ok", "category_tier": "two words", "query_type": "CATEGORY"],
            ]])
            #expect(bad.status == .unprocessableContent)
            let fields = bad.json["error"]?["details"]?["fields"]?.objectValue?.keys.sorted() ?? []
            #expect(fields == ["queries[0].text", "queries[1].text", "queries[2].category_tier"], "\(fields)")
            #expect(try await api.request(.post, "/projects/\(project)/queries", ["queries": []]).status == .unprocessableContent)
            let tooMany = JSONValue.array((0...200).map { .object(["text": .string("question \($0)")]) })
            #expect(try await api.request(.post, "/projects/\(project)/queries", ["queries": tooMany]).status == .unprocessableContent)
            #expect(try await api.request(.post, "/projects/\(project)/queries", ["queries": [["text": "x", "query_type": "NEWS"]]]).status.code / 100 == 4)
            let full = JSONValue.array((0..<200).map { .object(["text": .string("question \($0)")]) })
            let batch = try await api.request(.post, "/projects/\(project)/queries", ["queries": full])
            #expect(batch.status == .created && batch.json["created"]?.arrayValue?.count == 200)
            #expect(try await api.request(.post, "/projects/\(UUID())/queries", ["queries": [["text": "x"]]]).errorCode == "project_not_found")
        }
    }

    @Test func anotherWorkspacesIdsAreNotFound() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let a = Caller(client: client, headers: alice.headers())
            let b = Caller(client: client, headers: bob.headers())
            let project = try await a.project(["name": "Secret", "brand_name": "Secret"])
            let query = try #require(try await a.request(.post, "/projects/\(project)/queries", ["queries": [["text": "secret?"]]])
                .json["created"]?[0]?["id"]?.stringValue)
            let bobs = try await b.project(["name": "Bob's", "brand_name": "Bob"])
            let attempts: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "/projects/\(project)", nil), (.patch, "/projects/\(project)", ["name": "x"]), (.put, "/projects/\(project)", ["name": "x", "brand_name": "x"]),
                (.delete, "/projects/\(project)", nil), (.get, "/projects/\(project)/competitors", nil),
                (.put, "/projects/\(project)/competitors", ["competitors": []]), (.get, "/projects/\(project)/queries", nil),
                (.post, "/projects/\(project)/queries", ["queries": [["text": "x"]]]), (.patch, "/projects/\(project)/queries/\(query)", ["is_active": false]),
                (.put, "/projects/\(project)/queries/\(query)", ["text": "x"]), (.delete, "/projects/\(project)/queries/\(query)", nil),
                (.patch, "/projects/\(bobs)/queries/\(query)", ["is_active": false]),
            ]
            for (method, path, body) in attempts {
                let response = try await b.request(method, path, body)
                #expect(response.status == .notFound, "B with A's id: \(method) \(path) → \(response.status)")
            }
            #expect(try await b.ids("/projects") == [bobs])
            #expect(try await a.request(.get, "/projects/\(project)/queries").json["items"]?[0]?["is_active"] == true, "nothing changed")
            #expect(try await a.request(.get, "/projects/\(project)").json["name"] == "Secret")
        }
    }

    @Test func viewersAndScopedKeys() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)
            let owner = Caller(client: client, headers: alice.headers())
            let project = try await owner.project(["name": "Acme", "brand_name": "Acme"])
            let query = try #require(try await owner.request(.post, "/projects/\(project)/queries", ["queries": [["text": "q?"]]]).json["created"]?[0]?["id"]?
                .stringValue)
            let readKey = try await client.createAPIKey(for: alice, scopes: ["visibility:read"], name: "visibility reader")
            let writeKey = try await client.createAPIKey(for: alice, scopes: ["visibility:write", "visibility:read"], name: "visibility writer")
            let runKey = try await client.createAPIKey(for: alice, scopes: ["visibility:run"], name: "visibility runner")
            let crmKey = try await client.createAPIKey(for: alice, scopes: ["crm:read"], name: "crm reader")

            let reads = ["/providers", "/projects", "/projects/\(project)", "/projects/\(project)/competitors", "/projects/\(project)/queries"]
            let writes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.post, "/projects", ["name": "x", "brand_name": "x"]), (.patch, "/projects/\(project)", ["name": "x"]),
                (.put, "/projects/\(project)", ["name": "x", "brand_name": "x"]), (.put, "/projects/\(project)/competitors", ["competitors": []]),
                (.post, "/projects/\(project)/queries", ["queries": [["text": "new?"]]]), (.patch, "/projects/\(project)/queries/\(query)", ["is_active": false]),
                (.put, "/projects/\(project)/queries/\(query)", ["text": "x"]), (.delete, "/projects/\(project)/queries/\(query)", nil),
                (.delete, "/projects/\(project)", nil),
            ]
            for (label, headers) in [("viewer", bob.headers(workspace: alice.workspaceID)), ("visibility:read key", HTTPFields.bearer(readKey.key))] {
                let caller = Caller(client: client, headers: headers)
                for path in reads { #expect(try await caller.request(.get, path).status == .ok, "\(label) reads \(path)") }
                for (method, path, body) in writes {
                    let response = try await caller.request(method, path, body)
                    #expect(response.status == .forbidden && response.errorCode == "insufficient_permissions", "\(label): \(method) \(path) → \(response.status)")
                }
            }
            for headers in [HTTPFields.bearer(runKey.key), .bearer(crmKey.key)] {
                #expect(try await Caller(client: client, headers: headers).request(.get, "/projects").errorCode == "insufficient_permissions")
            }
            let writer = Caller(client: client, headers: .bearer(writeKey.key))
            #expect(try await writer.request(.patch, "/projects/\(project)", ["name": "By key"]).status == .ok)
            #expect(try await writer.request(.post, "/projects/\(project)/queries", ["queries": [["text": "by key?"]]]).status == .created)
            #expect(try await writer.request(.delete, "/projects/\(project)").status == .noContent)

            // The scope is known to key creation; an unknown one is refused.
            let unknown = try await client.request(.post, "/api/v1/api-keys", json: ["name": "x", "scopes": ["visibility:admin"]], headers: alice.headers())
            #expect(unknown.status == .unprocessableContent, "\(unknown.text)")

            // The matrix decides for people: a viewer allowed to manage may.
            _ = try await client.request(.patch, "/api/v1/permissions/roles/viewer", json: ["permission": "can_manage_visibility", "allowed": true],
                                         headers: alice.headers())
            #expect(try await Caller(client: client, headers: bob.headers(workspace: alice.workspaceID)).request(.post, "/projects", ["name": "V", "brand_name": "V"])
                .status == .created)
            let matrix = try await client.request(.get, "/api/v1/permissions/roles", headers: alice.headers()).json["roles"]
            #expect(matrix?["member"]?.arrayValue?.contains("can_run_visibility") == true && matrix?["viewer"]?.arrayValue?.contains("can_run_visibility") == false)
        }
    }

    @Test func providersAreThoseConfigured() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let response = try await client.request(.get, "/api/v1/visibility/providers", headers: owner.headers())
            #expect(response.status == .ok && response.json["items"] == [] && response.json["total"]?.intValue == 0)
        }
        try await TestPlatform.run(configure: { config in
            config.visibility = VisibilitySettings(providers: [
                .init(name: .perplexity, apiKey: "pplx-secret", creditsPerItem: 2),
                .init(name: .openai, model: "gpt-4o-2024-08-06", apiKey: "sk-secret", baseURL: "http://127.0.0.1:1/v1"),
                .init(name: .gemini, model: "gemini-unknown", apiKey: "g-secret"),
            ])
        }) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let response = try await client.request(.get, "/api/v1/visibility/providers", headers: owner.headers())
            #expect(response.status == .ok)
            #expect(response.json["items"] == [
                ["name": "openai", "model": "gpt-4o-2024-08-06", "credits_per_item": 1, "input_micro_usd_per_million_tokens": 2_500_000,
                 "output_micro_usd_per_million_tokens": 10_000_000],
                ["name": "gemini", "model": "gemini-unknown", "credits_per_item": 1],
                ["name": "perplexity", "model": "sonar", "credits_per_item": 2, "input_micro_usd_per_million_tokens": 1_000_000,
                 "output_micro_usd_per_million_tokens": 1_000_000],
            ], "\(response.text)")
            #expect(!response.text.contains("secret") && !response.text.contains("127.0.0.1"), "keys and addresses stay private")
        }
    }
}
