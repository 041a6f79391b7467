@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PlatformTesting
import PostgresNIO
import Testing

@testable import ControlPlane

/// Tiers, features and limits as data; usage and who caused it; limits enforced in the write's own
/// statement, so concurrent creates never pass one.
@Suite struct BillingLimitsTests {
    static let logger = Logger(label: "billing-limits-test")

    static func makeStaff(_ account: TestAccount, _ platform: TestPlatform) async throws {
        _ = try await platform.withDatabase { db in
            try await db.query("UPDATE control.users SET is_staff = true WHERE id = \(account.userID)", logger: Self.logger)
        }
    }

    static func override(_ type: String, _ value: JSONValue, in workspace: UUID, by staff: TestAccount, _ client: some TestClientProtocol) async throws
        -> JSONResponse
    {
        try await client.request(
            .put, "/api/v1/admin/workspaces/\(workspace)/limits/\(type)", json: ["value": value, "reason": "test"] as JSONValue, headers: .bearer(staff.accessToken))
    }

    @Test func tiersArePublicWithPricesFeaturesAndLimits() async throws {
        try await TestPlatform.run { client, _ in
            let tiers = try await client.request(.get, "/api/v1/billing/tiers")
            #expect(tiers.status == .ok)
            let items = try #require(tiers.json["items"]?.arrayValue)
            #expect(items.map { $0["id"]?.stringValue ?? "" } == ["free", "pro", "business", "enterprise"], "ordered by rank")
            let pro = try #require(items.first { $0["id"] == "pro" })
            #expect(pro["monthly_price"] == 4900 && pro["currency"] == "usd" && pro["trial_days"] == 3)
            #expect(pro["limits"]?["records"] == 50000)
            #expect(items.last?["limits"]?["records"] == .null, "unlimited is an explicit null")
            let free = try #require(items.first)
            #expect(free["features"]?.arrayValue?.contains("visibility") == false)
            #expect(pro["features"]?.arrayValue?.contains("visibility") == true)
        }
    }

    @Test func aNewWorkspaceTrialsProAndItsLimitsShowUsage() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let limits = try await client.request(.get, "/api/v1/billing/limits", headers: headers)
            #expect(limits.status == .ok)
            #expect(limits.json["tier"] == "pro")
            let members = try #require(limits.json["items"]?.arrayValue?.first { $0["limit_type"] == "members" })
            #expect(members["usage"] == 1 && members["limit"] == 10 && members["remaining"] == 9 && members["percentage"] == 10)
            #expect(members["allowed"] == true && members["source"] == "tier")
            let subscription = try await platform.withDatabase { db in
                try await db.query("""
                    SELECT tier_id, status, (trial_end - trial_start) = interval '3 days' FROM control.subscriptions WHERE workspace_id = \(alice.workspaceID)
                    """, logger: Self.logger).decode((String, String, Bool).self).first { _ in true }
            }
            #expect(subscription?.0 == "pro" && subscription?.1 == "trialing" && subscription?.2 == true)

            let features = try await client.request(.get, "/api/v1/billing/features", headers: headers)
            #expect(features.json["items"]?.arrayValue?.first { $0["key"] == "visibility" }?["enabled"] == true)
            #expect(features.json["items"]?.arrayValue?.first { $0["key"] == "sso" }?["enabled"] == false)

            let keys = try await client.request(.get, "/api/v1/billing/usage/api_keys", headers: headers)
            #expect(keys.json["usage"] == 0 && keys.json["limit"] == 10)
            let unknown = try await client.request(.get, "/api/v1/billing/usage/widgets", headers: headers)
            #expect(unknown.status == .notFound && unknown.errorCode == "unknown_limit_type")
            #expect(try await client.request(.get, "/api/v1/billing/limits").status == .unauthorized)

            // A schema not yet migrated to where its counters live says so, as tenant routes do.
            _ = try await platform.withDatabase { db in
                try await db.query("DROP TABLE \(unescaped: SchemaName.tenant(alice.workspaceID).table("usage_counters").description)", logger: Self.logger)
            }
            let behind = try await client.request(.get, "/api/v1/billing/limits", headers: headers)
            #expect(behind.status == .serviceUnavailable && behind.errorCode == "migration_required")
        }
    }

    @Test func twentyConcurrentRecordsAgainstALimitOfTenLeaveExactlyTen() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let staff = try await platform.account(.bob, via: client)
            try await Self.makeStaff(staff, platform)
            let headers = alice.headers()
            let recordset = try await client.request(.post, "/api/v1/recordsets", json: ["name": "Leads"], headers: headers)
            let recordsetID = try #require(recordset.json["id"]?.stringValue)
            #expect(try await Self.override("records", 10, in: alice.workspaceID, by: staff, client).json["source"] == "override")

            let answers = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordsetID), "data": ["n": .number(Double(n))]], headers: headers)
                    }
                }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .created }.count == 10)
            let refused = answers.filter { $0.status.code == 402 }
            #expect(refused.count == 10)
            #expect(refused.allSatisfy { $0.errorCode == "limit_exceeded" })
            #expect(refused.first?.json["error"]?["details"]?["limit_type"] == "records")
            #expect(refused.first?.json["error"]?["details"]?["limit"] == 10 && refused.first?.json["error"]?["details"]?["usage"] == 10)
            let stored = try await platform.withDatabase { db in
                try await db.query("""
                    SELECT (SELECT count(*) FROM \(unescaped: SchemaName.tenant(alice.workspaceID).table("records").description) WHERE deleted_at IS NULL)::int,
                           (SELECT used FROM \(unescaped: SchemaName.tenant(alice.workspaceID).table("usage_counters").description) WHERE limit_type = 'records')::int
                    """, logger: Self.logger).decode((Int, Int).self).first { _ in true }
            }
            #expect(stored?.0 == 10 && stored?.1 == 10)

            // Deleting one frees its place; the events say who did what.
            let first = try #require(answers.first { $0.status == .created }?.json["id"]?.stringValue)
            #expect(try await client.request(.delete, "/api/v1/records/\(first)", headers: headers).status == .noContent)
            let usage = try await client.request(.get, "/api/v1/billing/usage/records", headers: headers)
            #expect(usage.json["usage"] == 9 && usage.json["remaining"] == 1 && usage.json["allowed"] == true)
            #expect(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(recordsetID), "data": [:]], headers: headers).status == .created)
            let events = try await client.request(.get, "/api/v1/billing/usage/events/records?limit=50", headers: headers)
            let deltas = events.json["items"]?.arrayValue?.compactMap { $0["delta"]?.intValue } ?? []
            #expect(deltas.reduce(0, +) == 10, "the events add up to the usage: \(deltas)")
            #expect(deltas.contains(-1) && deltas.filter { $0 == 1 }.count == 11)
            #expect(events.json["items"]?[0]?["actor"]?["email"]?.stringValue == alice.email)
        }
    }

    @Test func apiKeysAndSeatsStopAtTheirLimitAndRenewingAnInvitationTakesNoSeat() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let staff = try await platform.account(.bob, via: client)
            try await Self.makeStaff(staff, platform)
            let headers = alice.headers()
            _ = try await Self.override("api_keys", 3, in: alice.workspaceID, by: staff, client)
            let keys = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for n in 0..<8 {
                    group.addTask { try await client.request(.post, "/api/v1/api-keys", json: ["name": .string("key \(n)"), "scopes": ["records:read"]], headers: headers) }
                }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            #expect(keys.filter { $0.status == .created }.count == 3)
            #expect(keys.filter { $0.errorCode == "limit_exceeded" }.count == 5)
            // A revoked key frees its place.
            let revoked = try #require(keys.first { $0.status == .created }?.json["id"]?.stringValue)
            #expect(try await client.request(.delete, "/api/v1/api-keys/\(revoked)", headers: headers).status.code < 300)
            #expect(try await client.request(.post, "/api/v1/api-keys", json: ["name": "again", "scopes": ["records:read"]], headers: headers).status == .created)

            _ = try await Self.override("members", 2, in: alice.workspaceID, by: staff, client)
            let invite = "/api/v1/workspaces/\(alice.workspaceID)/invite"
            #expect(try await client.request(.post, invite, json: ["email": "dora@example.com", "role": "member"], headers: headers).status == .created)
            let full = try await client.request(.post, invite, json: ["email": "eve@example.com", "role": "member"], headers: headers)
            #expect(full.status.code == 402 && full.errorCode == "limit_exceeded")
            #expect(full.json["error"]?["details"]?["limit_type"] == "members")
            let eve = try await platform.withDatabase { db in
                try await db.query("SELECT count(*)::int FROM control.users WHERE email = 'eve@example.com'", logger: Self.logger).decode(Int.self).first { _ in true }
            }
            #expect(eve == 0, "a refused invitation leaves no account behind")
            let renewed = try await client.request(.post, invite, json: ["email": "dora@example.com", "role": "admin"], headers: headers)
            #expect(renewed.status == .created, "renewing an invitation takes no new seat")

            let events = try await client.request(.get, "/api/v1/billing/usage/events/members", headers: headers)
            #expect(events.json["total"] == 2)
            #expect(events.json["items"]?[0]?["actor"]?["email"]?.stringValue == alice.email, "the inviter added dora")
            let cleared = try await client.request(
                .delete, "/api/v1/admin/workspaces/\(alice.workspaceID)/limits/members", headers: .bearer(staff.accessToken))
            #expect(cleared.json["limit"] == 10 && cleared.json["source"] == "tier")
            #expect(try await client.request(.post, invite, json: ["email": "eve@example.com", "role": "member"], headers: headers).status == .created)
        }
    }

    @Test func onlyStaffOverrideAndFeaturesFollowTheirOverrides() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let staff = try await platform.account(.bob, via: client)
            let refused = try await Self.override("records", 5, in: alice.workspaceID, by: alice, client)
            #expect(refused.status == .forbidden && refused.errorCode == "staff_required")
            try await Self.makeStaff(staff, platform)
            #expect(try await Self.override("records", -1, in: alice.workspaceID, by: staff, client).status == .unprocessableContent)
            #expect(try await Self.override("widgets", 5, in: alice.workspaceID, by: staff, client).status == .notFound)
            #expect(try await Self.override("records", 5, in: UUID(), by: staff, client).status == .notFound)
            let unlimited = try await Self.override("records", .null, in: alice.workspaceID, by: staff, client)
            #expect(unlimited.json["limit"] == .null && unlimited.json["remaining"] == .null && unlimited.json["allowed"] == true)

            let path = "/api/v1/admin/workspaces/\(alice.workspaceID)/features/sso"
            let on = try await client.request(.put, path, json: ["enabled": true], headers: .bearer(staff.accessToken))
            #expect(on.json["items"]?.arrayValue?.first { $0["key"] == "sso" }?["source"] == "override")
            let seen = try await client.request(.get, "/api/v1/billing/features", headers: alice.headers())
            #expect(seen.json["items"]?.arrayValue?.first { $0["key"] == "sso" }?["enabled"] == true)
            let off = try await client.request(.delete, path, headers: .bearer(staff.accessToken))
            #expect(off.json["items"]?.arrayValue?.first { $0["key"] == "sso" }?["enabled"] == false)
            #expect(try await client.request(.put, "/api/v1/admin/workspaces/\(alice.workspaceID)/features/teleport", json: ["enabled": true],
                                             headers: .bearer(staff.accessToken)).status == .notFound)
        }
    }

    /// Visibility runs' debits are capped by the month's credits; other debits are not.
    @Test func visibilityDebitsStopAtTheMonthlyLimit() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 1000 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let ws = alice.workspaceID
            try await platform.withDatabase { db in
                try await db.query("""
                    INSERT INTO control.workspace_limit_overrides (workspace_id, limit_type, value) VALUES (\(ws), 'visibility_credits', 50)
                    """, logger: Self.logger)
                let catalog = BillingCatalog(client: db, members: WorkspaceMembers(client: db, tenants: TenantPools([TenantPools.primary: db])))
                let ledger = CreditAccounts(client: db, initialGrant: 1000, catalog: catalog)
                func debit(_ credits: Int, _ reference: String) async throws -> LedgerReceipt {
                    try await ledger.debit(credits, workspace: ws, key: "\(reference):debit", reference: reference, description: "", actor: alice.userID, logger: Self.logger)
                }
                let first = try await debit(40, "visibility_run:1")
                await #expect(throws: AppError.self) { _ = try await debit(20, "visibility_run:2") }
                do {
                    _ = try await debit(20, "visibility_run:2")
                } catch let error as AppError {
                    #expect(error.code == "limit_exceeded" && error.details?["usage"] == 40 && error.details?["limit"] == 50)
                }
                _ = try await debit(200, "export:1")
                _ = try await ledger.refund(30, of: first.entryID, workspace: ws, key: "visibility_run:1:refund", description: "", logger: Self.logger)
                _ = try await debit(20, "visibility_run:2")
                #expect(try await catalog.usage(.visibilityCredits, workspace: ws, logger: Self.logger).usage == 30, "40 - 30 refunded + 20")
            }
            let events = try await client.request(.get, "/api/v1/billing/usage/events/visibility_credits", headers: alice.headers())
            #expect(events.json["items"]?.arrayValue?.map { $0["delta"]?.intValue ?? 0 } == [20, -30, 40])
        }
    }
}
