import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// Contacts (§2.13): create with the first score and follow-up task, every filter and sort,
/// the detail with related data, archive and permanent delete, and who may do what.
@Suite(.serialized) struct CRMContactTests {
    @Test func createFilterSortAndDetail() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let me = try #require(try await client.request(.get, "/api/v1/members/me", headers: owner.headers()).json["id"]?.stringValue)

            // Created one after another: Ada (client, reachable, company) … Dan (archived later).
            let ada = try await crm.create("/contacts", [
                "full_name": "Ada Lovelace", "email": "Ada@Analytical.example", "phone": "+44 1", "company": "Analytical Engines",
                "contact_type": "client", "city": "London", "state": "England", "tags": ["vip", "investor"],
            ])
            #expect(ada.json["relationship_score"]?.intValue == 65, "30 + client 20 + email, phone, company 5 each")
            #expect(ada.json["score_source"] == "rules" && ada.json["email"] == "ada@analytical.example" && ada.json["owner_id"]?.stringValue == me)
            #expect(ada.json["last_interaction_at"] == nil && ada.json["days_since_contact"] == nil)
            let adaID = try #require(ada.json["id"]?.stringValue)
            let bob = try await crm.contact(["full_name": "bob Babbage", "contact_type": "lead", "company": "analytical engines", "city": "Cambridge", "tags": ["lead"]])
            let cy = try await crm.contact(["full_name": "Cy Young", "contact_type": "partner", "city": "london", "state": "Ontario", "schedule_follow_up": false])
            let dan = try await crm.contact(["full_name": "Dan Dare", "email": "dan@eagle.example", "tags": ["investor"]])

            // The first follow-up task: a week for a client, two days for a lead, none when asked not to.
            let adaTasks = try await crm.request(.get, "/tasks?contact_id=\(adaID)").json["items"]?.arrayValue ?? []
            #expect(adaTasks.count == 1 && adaTasks.first?["source"] == "rules" && adaTasks.first?["title"] == "Follow up with Ada Lovelace")
            #expect(adaTasks.first?["assigned_to"]?.stringValue == me && adaTasks.first?["priority"] == "medium")
            let due = try #require(adaTasks.first?["due_at"]?.stringValue.flatMap(ISO8601.date(from:)))
            #expect(abs(due.timeIntervalSinceNow - 7 * 86_400) < 3_600)
            let bobTask = try await crm.request(.get, "/tasks?contact_id=\(bob)").json["items"]?[0]
            #expect(bobTask?["priority"] == "high")
            #expect(abs((bobTask?["due_at"]?.stringValue.flatMap(ISO8601.date(from:))?.timeIntervalSinceNow ?? 0) - 2 * 86_400) < 3_600)
            #expect(try await crm.ids("/tasks?contact_id=\(cy)").isEmpty)

            // Last contact: Bob 2 days ago, Ada 10, Dan 40, Cy never.
            try await crm.interaction(bob, daysAgo: 2)
            try await crm.interaction(adaID, daysAgo: 10)
            try await crm.interaction(dan, daysAgo: 40)
            let scores = try await crm.request(.get, "/contacts?page_size=10").json["items"]?.arrayValue ?? []
            #expect(scores.count == 4)

            // Every sort, checked against the order it promises.
            #expect(try await crm.ids("/contacts?sort_by=full_name") == [adaID, bob, cy, dan], "alphabetical, ignoring case")
            #expect(try await crm.ids("/contacts?sort_by=full_name&sort_order=desc") == [dan, cy, bob, adaID])
            #expect(try await crm.ids("/contacts?sort_by=created_at") == [dan, cy, bob, adaID], "newest first")
            #expect(try await crm.ids("/contacts?sort_by=created_at&sort_order=asc") == [adaID, bob, cy, dan])
            #expect(try await crm.ids("/contacts?sort_by=last_interaction_at") == [bob, adaID, dan, cy], "most recent first, never last")
            #expect(try await crm.ids("/contacts?sort_by=last_interaction_at&sort_order=asc") == [cy, dan, adaID, bob])
            #expect(try await crm.ids("/contacts?sort_by=days_since_contact") == [cy, dan, adaID, bob], "longest since contact first")
            #expect(try await crm.ids("/contacts?sort_by=days_since_contact&sort_order=asc") == [bob, adaID, dan, cy])
            let byScore = try await crm.request(.get, "/contacts?sort_by=relationship_score").json["items"]?.arrayValue ?? []
            let values = byScore.compactMap { $0["relationship_score"]?.intValue }
            #expect(values.count == 4 && values == values.sorted(by: >), "highest first: \(values)")
            #expect(try await crm.ids("/contacts?sort_by=relationship_score&sort_order=asc") == byScore.compactMap { $0["id"]?.stringValue }.reversed())
            _ = try await crm.request(.patch, "/contacts/\(cy)", ["job_title": "Pitcher"])
            #expect(try await crm.ids("/contacts?sort_by=updated_at").first == cy, "most recently updated first")
            #expect(try await crm.ids("/contacts").first == cy, "updated_at is the default")
            #expect(try await crm.ids("/contacts?sort_by=updated_at&sort_order=asc").last == cy)
            #expect(try await crm.request(.get, "/contacts?sort_by=shoe_size").errorCode == "invalid_query")
            let days = try await crm.request(.get, "/contacts/\(dan)").json["contact"]?["days_since_contact"]?.intValue
            #expect(days == 40)

            // Filters, alone and together.
            #expect(Set(try await crm.ids("/contacts?company=ANALYTICAL%20ENGINES")) == [adaID, bob], "company ignores case")
            #expect(Set(try await crm.ids("/contacts?city=London")) == [adaID, cy])
            #expect(try await crm.ids("/contacts?city=london&state=ontario") == [cy])
            #expect(try await crm.ids("/contacts?contact_type=lead") == [bob])
            #expect(Set(try await crm.ids("/contacts?contact_type=lead,partner")) == [bob, cy])
            #expect(Set(try await crm.ids("/contacts?tags=investor")) == [adaID, dan])
            #expect(Set(try await crm.ids("/contacts?tags=lead,vip")) == [adaID, bob], "any of the tags")
            #expect(Set(try await crm.ids("/contacts?owner_id=\(me)")) == [adaID, bob, cy, dan])
            #expect(try await crm.ids("/contacts?owner_id=\(UUID())").isEmpty)
            #expect(try await crm.ids("/contacts?search=lovel") == [adaID], "a word's start")
            #expect(try await crm.ids("/contacts?search=eagle") == [dan], "an email's domain")
            #expect(Set(try await crm.ids("/contacts?search=analytic")) == [adaID, bob], "the company")
            #expect(try await crm.ids("/contacts?search=ada%20analytical") == [adaID], "every word")
            #expect(try await crm.ids("/contacts?search=zzz").isEmpty)
            let page = try await crm.request(.get, "/contacts?sort_by=full_name&page=2&page_size=3")
            #expect(page.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [dan] && page.json["total"]?.intValue == 4)
            #expect(page.json["limit"]?.intValue == 3 && page.json["offset"]?.intValue == 3)

            // The detail: interactions, tasks, insights, relationships and related records.
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Properties"], headers: owner.headers()).json["id"]?.stringValue)
            let property = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": ["address": "12 Elm"]],
                                                                 headers: owner.headers()).json["id"]?.stringValue)
            try await crm.create("/relationships", ["source_type": "contact", "source_id": .string(adaID), "target_type": "record", "target_id": .string(property),
                                                     "relationship_type": "owns"])
            try await crm.create("/relationships", ["source_type": "contact", "source_id": .string(bob), "target_type": "contact", "target_id": .string(adaID),
                                                     "relationship_type": "referred_by"])
            let detail = try await crm.request(.get, "/contacts/\(adaID)")
            #expect(detail.json["contact"]?["id"]?.stringValue == adaID)
            #expect(detail.json["interactions"]?.arrayValue?.count == 1 && detail.json["tasks"]?.arrayValue?.count == 1)
            #expect(detail.json["related_records"]?[0]?["record"]?["id"]?.stringValue == property)
            #expect(detail.json["related_records"]?[0]?["relationship_type"] == "owns" && detail.json["related_records"]?[0]?["direction"] == "outgoing")
            #expect(detail.json["relationships"]?.arrayValue?.count == 1 && detail.json["relationships"]?[0]?["source_id"]?.stringValue == bob)
            #expect(detail.json["insights"]?.arrayValue == [])
            #expect(try await crm.request(.get, "/contacts/\(UUID())").errorCode == "contact_not_found")
            let interactions = try await crm.request(.get, "/contacts/\(adaID)/interactions?limit=5")
            #expect(interactions.json["total"]?.intValue == 1 && interactions.json["items"]?[0]?["interaction_type"] == "call")

            // PATCH changes what is sent; PUT replaces (what is left out is cleared).
            let patched = try await crm.request(.patch, "/contacts/\(adaID)", ["phone": .null, "tags": ["vip"], "custom_fields": ["budget": 5]])
            #expect(patched.json["phone"] == nil && patched.json["tags"] == ["vip"] && patched.json["company"] == "Analytical Engines")
            #expect(patched.json["custom_fields"]?["budget"]?.intValue == 5 && patched.json["relationship_score"] == ada.json["relationship_score"]?.intValue.map { .number(Double($0 + 6)) })
            let put = try await crm.request(.put, "/contacts/\(adaID)", ["full_name": "Ada King", "contact_type": "partner"])
            #expect(put.status == .ok && put.json["full_name"] == "Ada King" && put.json["company"] == nil && put.json["tags"] == [] && put.json["owner_id"]?.stringValue == me)

            // Bad input: every bad field named in one 422.
            let invalid = try await crm.request(.post, "/contacts", ["full_name": " ", "email": "not-an-email", "contact_type": "Big Fish"])
            #expect(invalid.status == .unprocessableContent)
            let fields = invalid.json["error"]?["details"]?["fields"]
            #expect(fields?["full_name"] != nil && fields?["email"] != nil && fields?["contact_type"] != nil)
            #expect(try await crm.request(.post, "/contacts", ["full_name": "X", "owner_id": .string(UUID().uuidString)]).json["error"]?["details"]?["fields"]?["owner_id"] != nil)
            #expect(try await crm.request(.patch, "/contacts/\(adaID)", ["full_name": .null]).status == .unprocessableContent)
            #expect(try await crm.request(.post, "/contacts", ["full_name": "X", "shoe_size": 9]).status == .unprocessableContent)
        }
    }

    @Test func deleteArchivesUnlessPermanent() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let keep = try await crm.contact(["full_name": "Keep Me"])
            let gone = try await crm.contact(["full_name": "Gone Soon"])
            try await crm.interaction(gone, daysAgo: 1)
            let link = try #require(try await crm.create("/relationships", [
                "source_type": "contact", "source_id": .string(keep), "target_type": "contact", "target_id": .string(gone), "relationship_type": "knows",
            ]).json["id"]?.stringValue)

            #expect(try await crm.request(.delete, "/contacts/\(gone)").status == .noContent)
            let archived = try await crm.request(.get, "/contacts/\(gone)")
            #expect(archived.json["contact"]?["status"] == "archived" && archived.json["contact"]?["archived_at"]?.stringValue != nil)
            #expect(try await crm.ids("/contacts") == [keep], "archived contacts are left out by default")
            #expect(try await crm.ids("/contacts?status=archived") == [gone])
            #expect(Set(try await crm.ids("/contacts?status=active,archived")) == [keep, gone])
            #expect(try await crm.request(.delete, "/contacts/\(gone)").status == .noContent, "archiving again changes nothing")
            let restored = try await crm.request(.patch, "/contacts/\(gone)", ["status": "active"])
            #expect(restored.json["status"] == "active" && restored.json["archived_at"] == nil)
            #expect(try await crm.request(.post, "/contacts", ["full_name": "X", "status": "archived"]).status == .unprocessableContent)

            #expect(try await crm.request(.delete, "/contacts/\(gone)?permanent=true").status == .noContent)
            #expect(try await crm.request(.get, "/contacts/\(gone)").errorCode == "contact_not_found")
            #expect(try await crm.request(.delete, "/contacts/\(gone)?permanent=true").errorCode == "contact_not_found")
            #expect(try await crm.request(.delete, "/contacts/\(gone)").errorCode == "contact_not_found")
            #expect(try await crm.ids("/tasks?contact_id=\(gone)&include_completed=true").isEmpty, "its tasks went with it")
            #expect(try await crm.request(.patch, "/relationships/\(link)", ["strength": 5]).errorCode == "relationship_not_found", "so did its relationships")
            #expect(try await crm.ids("/contacts") == [keep])
        }
    }

    @Test func relatedRecordsFollowTheRecordsetACL() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let owner = CRMClient(client: client, headers: alice.headers())
            let member = CRMClient(client: client, headers: carol.headers(workspace: alice.workspaceID))
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Private deals"], headers: alice.headers()).json["id"]?.stringValue)
            let record = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": ["deal": "secret"]],
                                                               headers: alice.headers()).json["id"]?.stringValue)
            let contact = try await owner.contact(["full_name": "Shared Contact"])
            let link = try #require(try await owner.create("/relationships", [
                "source_type": "contact", "source_id": .string(contact), "target_type": "record", "target_id": .string(record), "relationship_type": "owns",
            ]).json["id"]?.stringValue)

            // Carol sees the contact, not the record it is linked to, nor the link.
            let detail = try await member.request(.get, "/contacts/\(contact)")
            #expect(detail.status == .ok && detail.json["related_records"]?.arrayValue == [])
            #expect(try await member.ids("/relationships").isEmpty)
            #expect(try await member.ids("/relationships/entity/contact/\(contact)").isEmpty)
            #expect(try await member.request(.get, "/relationships/entity/record/\(record)").errorCode == "entity_not_found")
            #expect(try await member.request(.patch, "/relationships/\(link)", ["strength": 1]).errorCode == "relationship_not_found")
            let refused = try await member.request(.post, "/relationships", [
                "source_type": "contact", "source_id": .string(contact), "target_type": "record", "target_id": .string(record), "relationship_type": "likes",
            ])
            #expect(refused.errorCode == "relationship_end_not_found" && refused.json["error"]?["details"]?["missing"]?[0]?["field"] == "target_id")
            #expect(try await owner.ids("/relationships") == [link], "the owner sees it")

            // Granted the recordset, she sees both.
            let grant = try await client.request(.post, "/api/v1/recordsets/\(set)/access", json: [
                "member_id": .string(try #require(try await client.request(.get, "/api/v1/members/me", headers: carol.headers(workspace: alice.workspaceID)).json["id"]?.stringValue)),
            ], headers: alice.headers())
            #expect(grant.status == .created || grant.status == .ok, "\(grant.text)")
            #expect(try await member.request(.get, "/contacts/\(contact)").json["related_records"]?[0]?["record"]?["id"]?.stringValue == record)
            #expect(try await member.ids("/relationships/entity/record/\(record)") == [link])
        }
    }

    @Test func viewersAndReadOnlyKeysReadButDoNotWrite() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .viewer)
            let owner = CRMClient(client: client, headers: alice.headers())
            let contact = try await owner.contact(["full_name": "Read Only"])
            let task = try #require(try await owner.request(.get, "/tasks?contact_id=\(contact)").json["items"]?[0]?["id"]?.stringValue)
            let readKey = try await client.createAPIKey(for: alice, scopes: ["crm:read"], name: "crm reader")
            let writeKey = try await client.createAPIKey(for: alice, scopes: ["crm:write", "crm:read"], name: "crm writer")
            let recordsKey = try await client.createAPIKey(for: alice, scopes: ["records:read"], name: "records reader")

            for (label, headers) in [("viewer", bob.headers(workspace: alice.workspaceID)), ("crm:read key", HTTPFields.bearer(readKey.key))] {
                let caller = CRMClient(client: client, headers: headers)
                for path in ["/contacts", "/contacts/\(contact)", "/contacts/\(contact)/interactions", "/tasks", "/relationships", "/proposals", "/insights",
                             "/dashboard"] {
                    #expect(try await caller.request(.get, path).status == .ok, "\(label) reads \(path)")
                }
                let writes: [(HTTPRequest.Method, String, JSONValue?)] = [
                    (.post, "/contacts", ["full_name": "Nope"]), (.patch, "/contacts/\(contact)", ["notes": "nope"]), (.delete, "/contacts/\(contact)", nil),
                    (.post, "/interactions", ["contact_id": .string(contact), "interaction_type": "note"]),
                    (.post, "/tasks", ["contact_id": .string(contact), "title": "Nope"]), (.post, "/tasks/\(task)/complete", nil),
                    (.post, "/proposals", ["contact": ["full_name": "Nope"]]), (.post, "/ai/analyze", ["contact_id": .string(contact)]),
                ]
                for (method, path, body) in writes {
                    let response = try await caller.request(method, path, body)
                    #expect(response.status == .forbidden && response.errorCode == "insufficient_permissions", "\(label): \(method) \(path) → \(response.status)")
                }
            }
            #expect(try await owner.request(.get, "/contacts/\(contact)").json["contact"]?["notes"] == "", "nothing changed")
            #expect(try await owner.ids("/contacts") == [contact])

            let writer = CRMClient(client: client, headers: .bearer(writeKey.key))
            #expect(try await writer.request(.patch, "/contacts/\(contact)", ["notes": "by key"]).status == .ok)
            #expect(try await writer.request(.delete, "/contacts/\(contact)").status == .noContent, "crm:write covers can_delete_contact for a key")
            let recordsOnly = CRMClient(client: client, headers: .bearer(recordsKey.key))
            #expect(try await recordsOnly.request(.get, "/contacts").errorCode == "insufficient_permissions")

            // The matrix decides for people: a viewer allowed to create contacts may.
            _ = try await client.request(.patch, "/api/v1/permissions/roles/viewer", json: ["permission": "can_create_contact", "allowed": true], headers: alice.headers())
            #expect(try await CRMClient(client: client, headers: bob.headers(workspace: alice.workspaceID)).request(.post, "/contacts", ["full_name": "Now OK"])
                .status == .created)
        }
    }
}
