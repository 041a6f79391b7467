@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import PlatformTesting
import Testing

/// Recordsets: slugs, exact counts, the trash, views.
@Suite struct RecordsetFeatureTests {
    @Test func slugsAreMadeOnceFromTheNameAndNumberedWhenTaken() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            var slugs: [String] = []
            for name in ["Café Leads!", "cafe leads", "  CAFÉ -- LEADS  "] {
                let created = try await client.request(.post, "/api/v1/recordsets", json: ["name": .string(name)], headers: headers)
                #expect(created.status == .created)
                slugs.append(created.json["slug"]?.stringValue ?? "")
            }
            #expect(slugs == ["cafe-leads", "cafe-leads-2", "cafe-leads-3"])
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Trash"], headers: headers).json["slug"] == "trash-2")
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "!!!"], headers: headers).json["slug"] == "recordset")

            let chosen = try await client.request(.post, "/api/v1/recordsets", json: ["name": "X", "slug": "my-slug", "type": "crm_contacts"], headers: headers)
            #expect(chosen.json["slug"] == "my-slug" && chosen.json["type"] == "crm_contacts")
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Y", "slug": "my-slug"], headers: headers).errorCode == "slug_taken")
            for bad in ["My Slug", "trash", "a--b", "6f1c1f0e-8a3b-4a57-9d36-0f4c4b1d9a10"] {
                #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Z", "slug": .string(bad)], headers: headers).status == .unprocessableContent, "\(bad)")
            }
            #expect(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Z", "type": "Bad Type"], headers: headers).status == .unprocessableContent)

            // Renaming never moves the slug, and the slug cannot be sent.
            let renamed = try await client.request(.patch, "/api/v1/recordsets/cafe-leads", json: ["name": "Hot leads"], headers: headers)
            #expect(renamed.json["name"] == "Hot leads" && renamed.json["slug"] == "cafe-leads")
            #expect(try await client.request(.patch, "/api/v1/recordsets/cafe-leads", json: ["slug": "hot-leads"], headers: headers).status == .unprocessableContent)
            let id = try #require(renamed.json["id"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/recordsets/\(id)", headers: headers).json["slug"] == "cafe-leads", "by id too")
            #expect(try await client.request(.get, "/api/v1/crud/recordsets/\(id)", headers: headers).json["name"] == "Hot leads")
            #expect(try await client.request(.get, "/api/v1/recordsets/nothing-here", headers: headers).errorCode == "recordset_not_found")

            let replaced = try await client.request(.put, "/api/v1/recordsets/cafe-leads", json: ["name": "Leads"], headers: headers)
            #expect(replaced.json["description"] == "" && replaced.json["type"] == "custom" && replaced.json["slug"] == "cafe-leads")
            let typed = try await client.request(.get, "/api/v1/recordsets?type=crm_contacts", headers: headers)
            #expect(typed.json["items"]?.arrayValue?.map { $0["slug"] } == ["my-slug"])
            #expect(try await client.request(.get, "/api/v1/recordsets?search=eads", headers: headers).json["total"]?.intValue == 3)
        }
    }

    @Test func countsAreExactAndTheTrashKeepsThirtyDays() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let headers = owner.headers()
            let created = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Deals"], headers: headers)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(created.json["record_count"]?.intValue == 0)
            var records: [String] = []
            for n in 0..<5 {
                let record = try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(id), "data": ["n": .number(Double(n))]], headers: headers)
                records.append(try #require(record.json["id"]?.stringValue))
            }
            func count() async throws -> Int? { try await client.request(.get, "/api/v1/recordsets/deals", headers: headers).json["record_count"]?.intValue }
            #expect(try await count() == 5)
            _ = try await client.request(.delete, "/api/v1/records/\(records[0])", headers: headers)
            #expect(try await count() == 4)
            _ = try await client.request(.patch, "/api/v1/records/\(records[1])", json: ["data": ["x": 1]], headers: headers)
            #expect(try await count() == 4, "an edit does not change the count")
            let bulk = try await client.request(.post, "/api/v1/records/bulk-delete", json: ["record_ids": [.string(records[1]), .string(records[2])]], headers: headers)
            #expect(bulk.json["deleted"]?.intValue == 2)
            #expect(try await count() == 2)

            // A counter that drifted (written behind the API) is repaired in one statement.
            try await platform.withDatabase { db in
                let table = SchemaName.tenant(owner.workspaceID).table("recordsets")
                try await db.execute("UPDATE \(table) SET record_count = 99", logger: TestDatabase.logger)
            }
            #expect(try await count() == 99)
            let repair = try await client.request(.post, "/api/v1/crud/recordsets/sync-counts", headers: headers)
            #expect(repair.json["checked"]?.intValue == 1 && repair.json["corrected"]?.intValue == 1)
            #expect(try await count() == 2)
            #expect(try await client.request(.post, "/api/v1/crud/recordsets/sync-counts", headers: headers).json["corrected"]?.intValue == 0)

            // To the trash: gone from lists and record routes; back with its records; then for good.
            #expect(try await client.request(.delete, "/api/v1/recordsets/deals", headers: headers).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/recordsets", headers: headers).json["total"]?.intValue == 0)
            #expect(try await client.request(.get, "/api/v1/records/\(records[3])", headers: headers).status == .notFound)
            let trash = try await client.request(.get, "/api/v1/recordsets/trash", headers: headers)
            #expect(trash.json["items"]?[0]?["slug"] == "deals" && trash.json["items"]?[0]?["deleted_at"]?.stringValue != nil)
            #expect(try await client.request(.get, "/api/v1/recordsets?is_active=false", headers: headers).json["total"]?.intValue == 1)
            let restored = try await client.request(.post, "/api/v1/recordsets/trash/deals/restore", headers: headers)
            #expect(restored.json["is_active"] == true && restored.json["record_count"]?.intValue == 2)
            #expect(try await client.request(.get, "/api/v1/records/\(records[3])", headers: headers).status == .ok)
            #expect(try await client.request(.post, "/api/v1/recordsets/trash/deals/restore", headers: headers).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/recordsets/trash/deals", headers: headers).status == .notFound, "only what is in the trash")
            #expect(try await client.request(.delete, "/api/v1/crud/recordsets/\(id)", headers: headers).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/recordsets/trash/\(id)", headers: headers).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/recordsets/trash", headers: headers).json["total"]?.intValue == 0)
            let left = try await platform.withDatabase { db in
                try await db.value(Int.self, "SELECT count(*)::int FROM \(SchemaName.tenant(owner.workspaceID).table("records"))", logger: TestDatabase.logger)
            }
            #expect(left == 0, "its records went with it")

            // The trash is for admins and owners.
            let member = try await platform.account(.bob, via: client)
            try await platform.addMember(member, to: owner.workspaceID, role: .member)
            #expect(try await client.request(.get, "/api/v1/recordsets/trash", headers: member.headers(workspace: owner.workspaceID)).status == .forbidden)
        }
    }

    @Test func viewsAreSavedPerRecordsetAndChangedByTheirAuthor() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let member = try await platform.account(.bob, via: client)
            try await platform.addMember(member, to: owner.workspaceID, role: .member)
            let asMember = member.headers(workspace: owner.workspaceID)
            let memberID = try #require(try await client.request(.get, "/api/v1/members/me", headers: asMember).json["id"]?.stringValue)
            _ = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Deals"], headers: owner.headers())
            _ = try await client.request(.post, "/api/v1/recordsets/deals/access", json: ["member_id": .string(memberID)], headers: owner.headers())

            let view = try await client.request(.post, "/api/v1/recordsets/deals/views", json: [
                "name": "Won", "filters": ["column_filters": "{\"stage\":\"won\"}"], "sort": [["field": "amount", "order": "desc"]],
                "columns": ["name", "amount"], "is_default": true,
            ], headers: asMember)
            #expect(view.status == .created)
            #expect(view.json["sort"]?[0]?["order"] == "desc" && view.json["is_default"] == true)
            let viewID = try #require(view.json["id"]?.stringValue)
            let second = try await client.request(.post, "/api/v1/recordsets/deals/views", json: ["name": "All", "is_default": true], headers: owner.headers())
            let secondID = try #require(second.json["id"]?.stringValue)
            let list = try await client.request(.get, "/api/v1/recordsets/deals/views", headers: asMember)
            #expect(list.json["items"]?.arrayValue?.compactMap { $0["is_default"]?.boolValue } == [true, false], "one default per recordset")
            #expect(list.json["items"]?[0]?["id"]?.stringValue == secondID)

            let patched = try await client.request(.patch, "/api/v1/recordsets/deals/views/\(viewID)", json: ["name": "Won deals"], headers: asMember)
            #expect(patched.json["name"] == "Won deals" && patched.json["columns"]?.arrayValue?.count == 2)
            let put = try await client.request(.put, "/api/v1/recordsets/deals/views/\(viewID)", json: ["name": "Reset"], headers: asMember)
            #expect(put.json["columns"]?.arrayValue?.isEmpty == true && put.json["sort"]?.arrayValue?.isEmpty == true)
            #expect(try await client.request(.patch, "/api/v1/recordsets/deals/views/\(secondID)", json: ["name": "Mine now"], headers: asMember).errorCode == "view_not_yours")
            #expect(try await client.request(.patch, "/api/v1/recordsets/deals/views/\(viewID)", json: ["name": "Admin fix"], headers: owner.headers()).status == .ok)
            #expect(try await client.request(.patch, "/api/v1/recordsets/deals/views/\(viewID)", json: ["sort": [["field": "x", "order": "up"]]], headers: asMember).status == .unprocessableContent)
            #expect(try await client.request(.delete, "/api/v1/recordsets/deals/views/\(viewID)", headers: asMember).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/recordsets/deals/views/\(viewID)", headers: asMember).errorCode == "view_not_found")
        }
    }
}
