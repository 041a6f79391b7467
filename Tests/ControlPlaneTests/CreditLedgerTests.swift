import Foundation
import HTTPTypes
import Logging
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

@testable import ControlPlane

/// The credit ledger: append-only entries with keys, a balance that never goes below zero, lots
/// that expire, refunds that return credits where they came from.
@Suite struct CreditLedgerTests {
    static let logger = Logger(label: "credit-ledger-test")

    /// The ledger's invariants, straight from the tables: the balance row, the last entry's
    /// `balance_after`, the sum of the entries and the sum of the lots all agree.
    static func consistentBalance(_ workspace: UUID, _ db: PostgresClient) async throws -> Int {
        let rows = try await db.query("""
            SELECT (SELECT balance FROM control.credit_balances WHERE workspace_id = \(workspace))::int,
                   (SELECT coalesce(sum(credits), 0) FROM control.credit_entries WHERE workspace_id = \(workspace))::int,
                   (SELECT coalesce(sum(remaining), 0) FROM control.credit_lots WHERE workspace_id = \(workspace))::int,
                   (SELECT balance_after FROM control.credit_entries WHERE workspace_id = \(workspace) ORDER BY created_at DESC, id DESC LIMIT 1)::int
            """, logger: logger)
        for try await (balance, entries, lots, last) in rows.decode((Int, Int, Int, Int).self) {
            #expect(balance == entries && balance == lots && balance == last, "balance \(balance), entries \(entries), lots \(lots), last \(last)")
            return balance
        }
        Issue.record("no balance row")
        return -1
    }

    @Test func aWorkspaceOpensWithItsInitialGrantDatedAtItsCreation() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 25 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let statement = try await client.request(
                .get, "/api/v1/billing/credits", headers: .bearer(alice.accessToken, workspace: alice.workspaceID.uuidString))
            #expect(statement.status == .ok)
            #expect(statement.json["balance"] == 25)
            #expect(statement.json["total"] == 1)
            #expect(statement.json["items"]?[0]?["kind"] == "grant")
            #expect(statement.json["items"]?[0]?["credits"] == 25)
            let created = try await platform.withDatabase { db in
                try await db.query("SELECT created_at FROM control.workspaces WHERE id = \(alice.workspaceID)", logger: Self.logger)
                    .decode(Date.self).first { _ in true }
            }
            #expect(statement.json["items"]?[0]?["created_at"]?.stringValue == created.map(ISO8601.string))
            let again = try await client.request(.get, "/api/v1/billing/credits", headers: .bearer(alice.accessToken, workspace: alice.workspaceID.uuidString))
            #expect(again.json["total"] == 1, "the grant is written once")
            _ = try await platform.withDatabase { try await Self.consistentBalance(alice.workspaceID, $0) }
        }
    }

    @Test func fiftyConcurrentDebitsAgainstTenCreditsLeaveExactlyTen() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 10 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await platform.withDatabase { db in
                let ledger = CreditAccounts(client: db, initialGrant: 10, catalog: BillingCatalog(client: db, members: WorkspaceMembers(client: db, tenants: TenantPools([TenantPools.primary: db]))))
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 0..<50 {
                        group.addTask {
                            do {
                                _ = try await ledger.debit(
                                    1, workspace: alice.workspaceID, key: "debit-\(n)", reference: "test", description: "one", actor: nil, logger: Self.logger)
                                return true
                            } catch let error as AppError where error.code == "insufficient_credits" {
                                #expect(error.status.code == 402)
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 10)
                #expect(try await Self.consistentBalance(alice.workspaceID, db) == 0)
                let debits = try await db.query(
                    "SELECT count(*)::int FROM control.credit_entries WHERE workspace_id = \(alice.workspaceID) AND kind = 'debit'", logger: Self.logger
                ).decode(Int.self).first { _ in true }
                #expect(debits == 10)
            }
        }
    }

    @Test func aKeyIsOneEntryAndARefundNeverReturnsMoreThanItsDebit() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 100 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await platform.withDatabase { db in
                let ledger = CreditAccounts(client: db, initialGrant: 100, catalog: BillingCatalog(client: db, members: WorkspaceMembers(client: db, tenants: TenantPools([TenantPools.primary: db]))))
                let ws = alice.workspaceID
                let first = try await ledger.debit(30, workspace: ws, key: "run:1:debit", reference: "run:1", description: "run", actor: nil, logger: Self.logger)
                #expect(first.balanceAfter == 70 && !first.replayed)
                let retry = try await ledger.debit(30, workspace: ws, key: "run:1:debit", reference: "run:1", description: "run", actor: nil, logger: Self.logger)
                #expect(retry.replayed && retry.entryID == first.entryID && retry.balanceAfter == 70)
                await #expect(throws: AppError.self) {
                    try await ledger.debit(31, workspace: ws, key: "run:1:debit", reference: "run:1", description: "run", actor: nil, logger: Self.logger)
                }
                await #expect(throws: AppError.self) {
                    try await ledger.debit(500, workspace: ws, key: "run:2:debit", reference: "run:2", description: "too much", actor: nil, logger: Self.logger)
                }

                let part = try #require(try await ledger.refund(20, of: first.entryID, workspace: ws, key: "run:1:refund:a", description: "failed", logger: Self.logger))
                #expect(part.credits == 20 && part.balanceAfter == 90)
                let replay = try await ledger.refund(20, of: first.entryID, workspace: ws, key: "run:1:refund:a", description: "failed", logger: Self.logger)
                #expect(replay?.replayed == true && replay?.entryID == part.entryID)
                let rest = try await ledger.refund(25, of: first.entryID, workspace: ws, key: "run:1:refund:b", description: "cancel", logger: Self.logger)
                #expect(rest?.credits == 10, "only what the debit has left")
                #expect(try await ledger.refund(5, of: first.entryID, workspace: ws, key: "run:1:refund:c", description: "more", logger: Self.logger) == nil)
                #expect(try await Self.consistentBalance(ws, db) == 100)
                await #expect(throws: AppError.self) {
                    try await ledger.refund(5, of: UUID(), workspace: ws, key: "run:x:refund", description: "nothing", logger: Self.logger)
                }
            }
        }
    }

    @Test func debitsTakeFromLotsThatExpireFirstAndExpiredLotsAreWrittenOff() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 100 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await platform.withDatabase { db in
                let ledger = CreditAccounts(client: db, initialGrant: 100, catalog: BillingCatalog(client: db, members: WorkspaceMembers(client: db, tenants: TenantPools([TenantPools.primary: db]))))
                let ws = alice.workspaceID
                let grant = CreditGrant(kind: .grant, credits: 10, description: "Pilot", expiresAt: Date().addingTimeInterval(3600), key: "pilot")
                _ = try await ledger.grant(grant, workspace: ws, actor: alice.userID, logger: Self.logger)
                let debit = try await ledger.debit(6, workspace: ws, key: "d1", reference: "r", description: "d", actor: nil, logger: Self.logger)
                #expect(debit.balanceAfter == 104)
                let lots = try await db.query("""
                    SELECT remaining::int FROM control.credit_lots WHERE workspace_id = \(ws) ORDER BY expires_at NULLS LAST
                    """, logger: Self.logger).decode(Int.self).collect()
                #expect(lots == [4, 100], "the expiring lot is spent first")

                try await db.query("UPDATE control.credit_lots SET expires_at = now() - interval '1 minute' WHERE workspace_id = \(ws) AND expires_at IS NOT NULL", logger: Self.logger)
                #expect(try await ledger.balance(ws, logger: Self.logger) == 100)
                #expect(try await Self.consistentBalance(ws, db) == 100)
                let expiry = try await db.query(
                    "SELECT credits::int FROM control.credit_entries WHERE workspace_id = \(ws) AND kind = 'expiry'", logger: Self.logger
                ).decode(Int.self).collect()
                #expect(expiry == [-4])
                // A refund of the debit goes back to its expired lot, and is written off with it.
                _ = try await ledger.refund(6, of: debit.entryID, workspace: ws, key: "d1:refund", description: "back", logger: Self.logger)
                #expect(try await ledger.balance(ws, logger: Self.logger) == 100)
                #expect(try await Self.consistentBalance(ws, db) == 100)
            }
        }
    }

    @Test func staffGrantAndAdjustOverHTTPOthersAreRefused() async throws {
        try await TestPlatform.run(configure: { $0.initialCredits = 10 }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            let path = "/api/v1/admin/workspaces/\(alice.workspaceID)/credits"
            let refused = try await client.request(.post, path, json: ["kind": "grant", "credits": 50, "description": "Free"], headers: .bearer(alice.accessToken))
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "staff_required")
            _ = try await platform.withDatabase { db in try await db.query("UPDATE control.users SET is_staff = true WHERE id = \(bob.userID)", logger: Self.logger) }

            let granted = try await client.request(
                .post, path, json: ["kind": "grant", "credits": 50, "description": "Pilot", "key": "pilot-1"], headers: .bearer(bob.accessToken))
            #expect(granted.status == .created)
            #expect(granted.json["balance_after"] == 60)
            let again = try await client.request(
                .post, path, json: ["kind": "grant", "credits": 50, "description": "Pilot", "key": "pilot-1"], headers: .bearer(bob.accessToken))
            #expect(again.json["id"] == granted.json["id"], "a retried grant is the first one")
            let tooMuch = try await client.request(.post, path, json: ["kind": "adjustment", "credits": -61, "description": "Oops"], headers: .bearer(bob.accessToken))
            #expect(tooMuch.status == .conflict)
            let fixed = try await client.request(.post, path, json: ["kind": "adjustment", "credits": -15, "description": "Correction"], headers: .bearer(bob.accessToken))
            #expect(fixed.json["balance_after"] == 45)
            let invalid = try await client.request(.post, path, json: ["kind": "grant", "credits": -5, "description": ""], headers: .bearer(bob.accessToken))
            #expect(invalid.status == .unprocessableContent)
            let missing = try await client.request(.post, "/api/v1/admin/workspaces/\(UUID())/credits", json: ["kind": "grant", "credits": 5, "description": "x"], headers: .bearer(bob.accessToken))
            #expect(missing.status == .notFound)

            let staffView = try await client.request(.get, path, headers: .bearer(bob.accessToken))
            #expect(staffView.json["balance"] == 45)
            #expect(staffView.json["items"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["adjustment", "grant", "grant"])
            #expect(try await client.request(.get, path, headers: .bearer(alice.accessToken)).status == .forbidden)
            let own = try await client.request(.get, "/api/v1/billing/credits?limit=1", headers: .bearer(alice.accessToken, workspace: alice.workspaceID.uuidString))
            #expect(own.json["balance"] == 45 && own.json["total"] == 3 && own.json["items"]?.arrayValue?.count == 1)
            let foreign = try await client.request(.get, "/api/v1/billing/credits", headers: .bearer(bob.accessToken, workspace: alice.workspaceID.uuidString))
            #expect(foreign.status != .ok, "a non-member never reads a workspace's credits")
        }
    }
}

extension AsyncSequence where Self: Sendable {
    func collect() async throws -> [Element] {
        var items: [Element] = []
        for try await item in self { items.append(item) }
        return items
    }
}
