import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
@_spi(TenantProvisioning) import PlatformCore
import PlatformTesting
import Testing

/// Records: PUT and PATCH, versions and restore, comments, relationships, dismissals, bulk delete.
@Suite struct RecordHistoryTests {
    func recordset(_ client: any TestClientProtocol, _ headers: HTTPFields, _ name: String = "Deals") async throws -> String {
        try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": .string(name)], headers: headers).json["id"]?.stringValue)
    }

    @Test func everyChangeIsAVersionAndRestoreMakesANewOne() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let set = try await recordset(client, headers)
            let created = try await client.request(.post, "/api/v1/records", json: [
                "recordset_id": .string(set), "data": ["name": "Ada", "amount": 10], "tags": [" vip ", "vip", "new"],
            ], headers: headers)
            #expect(created.json["version"]?.intValue == 1 && created.json["status"] == "active" && created.json["tags"] == ["vip", "new"])
            let id = try #require(created.json["id"]?.stringValue)

            // PATCH: keys merge (null is a value), absent fields stay, tags null clears.
            let patched = try await client.request(.patch, "/api/v1/records/\(id)", json: ["data": ["amount": 20, "note": .null], "tags": .null], headers: headers)
            #expect(patched.json["version"]?.intValue == 2)
            #expect(patched.json["data"] == ["name": "Ada", "amount": 20, "note": .null])
            #expect(patched.json["tags"] == [] && patched.json["status"] == "active")
            #expect(try await client.request(.patch, "/api/v1/records/\(id)", json: ["status": .null], headers: headers).status == .unprocessableContent)
            #expect(try await client.request(.patch, "/api/v1/records/\(id)", json: ["data": .null], headers: headers).status == .unprocessableContent)
            #expect(try await client.request(.patch, "/api/v1/records/\(id)", json: ["status": "deleted"], headers: headers).status == .unprocessableContent)
            let same = try await client.request(.patch, "/api/v1/records/\(id)", json: ["data": ["amount": 20]], headers: headers)
            #expect(same.json["version"]?.intValue == 2, "nothing changed, no new version")

            // PUT: the content is replaced; status and tags return to their defaults.
            _ = try await client.request(.patch, "/api/v1/records/\(id)", json: ["status": "won", "tags": ["a"]], headers: headers)
            let put = try await client.request(.put, "/api/v1/records/\(id)", json: ["data": ["name": "Grace"]], headers: headers)
            #expect(put.json["version"]?.intValue == 4 && put.json["data"] == ["name": "Grace"] && put.json["status"] == "active" && put.json["tags"] == [])
            #expect(try await client.request(.put, "/api/v1/records/\(id)", json: ["status": "won"], headers: headers).status == .unprocessableContent)

            let history = try await client.request(.get, "/api/v1/records/\(id)/history", headers: headers)
            let versions = history.json["items"]?.arrayValue ?? []
            #expect(versions.compactMap { $0["version"]?.intValue } == [4, 3, 2, 1], "newest first")
            #expect(versions.compactMap { $0["change"]?.stringValue } == ["replaced", "updated", "updated", "created"])
            #expect(versions.last?["changed_by_email"]?.stringValue == owner.email)
            #expect(versions.last?["data"] == ["name": "Ada", "amount": 10])
            let first = try #require(versions.last?["id"]?.stringValue)

            let restored = try await client.request(.post, "/api/v1/records/\(id)/history/\(first)/restore", headers: headers)
            #expect(restored.status == .ok)
            #expect(restored.json["version"]?.intValue == 5 && restored.json["data"] == ["name": "Ada", "amount": 10] && restored.json["tags"] == ["vip", "new"])
            let again = try await client.request(.post, "/api/v1/records/\(id)/history/\(first)/restore", headers: headers)
            #expect(again.json["version"]?.intValue == 6, "a restore is always a new version")
            #expect(try await client.request(.post, "/api/v1/records/\(id)/history/\(UUID())/restore", headers: headers).errorCode == "version_not_found")
            #expect(try await client.request(.get, "/api/v1/records/\(id)/history?limit=2", headers: headers).json["total"]?.intValue == 6)

            #expect(try await client.request(.delete, "/api/v1/crud/records/\(id)", headers: headers).status == .noContent)
            let gone = try await platform.withDatabase { db in
                try await db.value(String.self, "SELECT status FROM \(SchemaName.tenant(owner.workspaceID).table("records")) WHERE id = \(UUID(uuidString: id)!)", logger: TestDatabase.logger)
            }
            #expect(gone == "deleted", "soft: the row stays, marked deleted")
            #expect(try await client.request(.get, "/api/v1/records/\(id)/history", headers: headers).status == .notFound)
        }
    }

    @Test func commentsRelationshipsAndDismissals() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let people = try await recordset(client, headers, "People"), companies = try await recordset(client, headers, "Companies")
            func record(_ set: String, _ name: String) async throws -> String {
                try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": ["name": .string(name)]], headers: headers).json["id"]?.stringValue)
            }
            let ada = try await record(people, "Ada"), acme = try await record(companies, "Acme"), bob = try await record(people, "Bob")

            let comment = try await client.request(.post, "/api/v1/records/\(ada)/comments", json: ["body": "  Called her.  "], headers: headers)
            #expect(comment.status == .created && comment.json["body"] == "Called her." && comment.json["author_id"]?.stringValue != nil)
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/comments", json: ["body": " "], headers: headers).status == .unprocessableContent)
            _ = try await client.request(.post, "/api/v1/records/\(ada)/comments", json: ["body": "Second"], headers: headers)
            let comments = try await client.request(.get, "/api/v1/records/\(ada)/comments", headers: headers)
            #expect(comments.json["items"]?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["Called her.", "Second"])

            let link = try await client.request(.post, "/api/v1/records/\(ada)/relationships", json: ["to_record_id": .string(acme), "type": "works_at"], headers: headers)
            #expect(link.status == .created && link.json["direction"] == "outgoing" && link.json["record_id"]?.stringValue == acme)
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/relationships", json: ["to_record_id": .string(acme), "type": "works_at"], headers: headers).errorCode == "relationship_exists")
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/relationships", json: ["to_record_id": .string(ada)], headers: headers).status == .unprocessableContent)
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/relationships", json: ["to_record_id": .string(UUID().uuidString)], headers: headers).status == .unprocessableContent)
            _ = try await client.request(.post, "/api/v1/records/\(bob)/relationships", json: ["to_record_id": .string(acme), "type": "works_at"], headers: headers)
            let fromAcme = try await client.request(.get, "/api/v1/records/\(acme)/relationships", headers: headers)
            #expect(fromAcme.json["items"]?.arrayValue?.compactMap { $0["direction"]?.stringValue } == ["incoming", "incoming"])
            #expect(Set(fromAcme.json["items"]?.arrayValue?.compactMap { $0["record_id"]?.stringValue } ?? []) == [ada, bob])
            _ = try await client.request(.delete, "/api/v1/records/\(bob)", headers: headers)
            #expect(try await client.request(.get, "/api/v1/records/\(acme)/relationships", headers: headers).json["items"]?.arrayValue?.count == 1, "a deleted record's links are hidden")

            let dismissed = try await client.request(.post, "/api/v1/records/\(ada)/dismiss?tool=inbox", headers: headers)
            #expect(dismissed.status == .ok && dismissed.json["tool"] == "inbox")
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/dismiss", headers: headers).errorCode == "invalid_query")
            #expect(try await client.request(.post, "/api/v1/records/\(ada)/dismiss?tool=Bad%20Tool", headers: headers).errorCode == "invalid_query")
            let inbox = try await client.request(.get, "/api/v1/records?recordset_id=\(people)&tool=inbox", headers: headers)
            #expect(inbox.json["total"]?.intValue == 0, "dismissed from the inbox")
            #expect(try await client.request(.get, "/api/v1/records?recordset_id=\(people)&tool=other", headers: headers).json["total"]?.intValue == 1)
            #expect(try await client.request(.get, "/api/v1/records/\(ada)", headers: headers).status == .ok, "the record itself stays")
        }
    }

    @Test func bulkDeleteIsAllOrNothingAndNamesWhatItRefuses() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let member = try await platform.account(.bob, via: client)
            try await platform.addMember(member, to: owner.workspaceID, role: .member)
            let asMember = member.headers(workspace: owner.workspaceID)
            let memberID = try #require(try await client.request(.get, "/api/v1/members/me", headers: asMember).json["id"]?.stringValue)
            let set = try await recordset(client, owner.headers())
            _ = try await client.request(.post, "/api/v1/recordsets/deals/access", json: [
                "member_id": .string(memberID), "levels": ["can_create": true, "can_delete_own": true],
            ], headers: owner.headers())
            func record(_ headers: HTTPFields) async throws -> String {
                try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": [:]], headers: headers).json["id"]?.stringValue)
            }
            let mine = [try await record(asMember), try await record(asMember)]
            let theirs = try await record(owner.headers())
            let missing = UUID().uuidString.lowercased()

            let refused = try await client.request(.post, "/api/v1/records/bulk-delete", json: ["record_ids": .array((mine + [theirs, missing]).map(JSONValue.string))], headers: asMember)
            #expect(refused.status == .notFound && refused.errorCode == "record_not_found", "one named record does not exist")
            let reasons = Dictionary(uniqueKeysWithValues: (refused.json["error"]?["details"]?["refused"]?.arrayValue ?? []).compactMap { item in
                item["id"]?.stringValue.flatMap { id in item["reason"]?.stringValue.map { (id, $0) } }
            })
            #expect(reasons == [theirs: "can_delete", missing: "not_found"])
            for id in mine + [theirs] { #expect(try await client.request(.get, "/api/v1/records/\(id)", headers: owner.headers()).status == .ok, "nothing deleted") }
            let forbidden = try await client.request(.post, "/api/v1/records/bulk-delete", json: ["record_ids": .array((mine + [theirs]).map(JSONValue.string))], headers: asMember)
            #expect(forbidden.status == .forbidden && forbidden.errorCode == "bulk_delete_refused")
            #expect(forbidden.json["error"]?["details"]?["refused"] == [["id": .string(theirs), "reason": "can_delete"]])
            for id in mine { #expect(try await client.request(.get, "/api/v1/records/\(id)", headers: owner.headers()).status == .ok, "still nothing deleted") }

            let allowed = try await client.request(.post, "/api/v1/records/bulk-delete", json: ["record_ids": .array(mine.map(JSONValue.string))], headers: asMember)
            #expect(allowed.json["deleted"]?.intValue == 2)
            #expect(try await client.request(.post, "/api/v1/records/bulk-delete", json: ["all": true, "recordset_id": .string(set)], headers: asMember).errorCode == "recordset_access_denied")
            #expect(try await client.request(.post, "/api/v1/records/bulk-delete", json: ["all": true], headers: owner.headers()).status == .unprocessableContent)
            #expect(try await client.request(.post, "/api/v1/records/bulk-delete", json: [:], headers: owner.headers()).status == .unprocessableContent)
            _ = try await record(owner.headers())
            let all = try await client.request(.post, "/api/v1/records/bulk-delete", json: ["all": true, "recordset_id": .string(set)], headers: owner.headers())
            #expect(all.json["deleted"]?.intValue == 2)
            #expect(try await client.request(.get, "/api/v1/recordsets/deals", headers: owner.headers()).json["record_count"]?.intValue == 0)
        }
    }
}
