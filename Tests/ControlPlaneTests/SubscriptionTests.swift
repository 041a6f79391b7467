@_spi(TenantProvisioning) import PlatformCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PlatformTesting
import PostgresNIO
import Testing

@testable import ControlPlane

/// Subscriptions without Stripe: the trial every workspace starts with, plan changes, cancel and
/// reactivate, invoices from the ledger, and the clock that moves them on (driven here by hand).
@Suite struct SubscriptionTests {
    static let logger = Logger(label: "subscription-test")

    static func subscription(_ workspace: UUID, _ platform: TestPlatform) async throws -> SubscriptionRow {
        try await platform.withDatabase { db in try #require(try await Subscriptions(client: db).find(workspace, logger: Self.logger)) }
    }

    static func advance(to date: Date, _ platform: TestPlatform) async throws -> Int {
        try await platform.withDatabase { db in try await Subscriptions(client: db).advance(to: date, logger: Self.logger) }
    }

    @Test func aNewWorkspaceIsOnATrialThatTheClockTurnsIntoAPaidPeriod() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let view = try await client.request(.get, "/api/v1/billing/subscription", headers: headers)
            #expect(view.status == .ok)
            #expect(view.json["tier"] == "pro" && view.json["status"] == "trialing" && view.json["is_active"] == true)
            #expect(view.json["trial_days_remaining"] == 3 && view.json["amount"] == 4900 && view.json["provider"] == "self_hosted")
            let status = try await client.request(.get, "/api/v1/billing/subscription/status", headers: headers)
            #expect(status.json["is_active"] == true && status.json["requires_payment"] == false)
            #expect(status.json["message"]?.stringValue?.hasPrefix("Trial of Pro") == true)
            #expect(try await client.request(.get, "/api/v1/billing/invoices", headers: headers).json["total"] == 0, "a trial costs nothing")
            let upcoming = try await client.request(.get, "/api/v1/billing/invoices/upcoming", headers: headers)
            #expect(upcoming.json["amount_due"] == 4900 && upcoming.json["next_payment_attempt"] == view.json["trial_end"])

            let trial = try await Self.subscription(alice.workspaceID, platform)
            let trialEnd = try #require(trial.trialEnd)
            // (The template's other workspaces started their trials moments apart, so the clock moves them too.)
            _ = try await Self.advance(to: trialEnd.addingTimeInterval(-1), platform)
            #expect(try await Self.subscription(alice.workspaceID, platform).status == .trialing, "nothing is due before the trial ends")
            #expect(try await Self.advance(to: trialEnd.addingTimeInterval(1), platform) >= 1)
            let paid = try await Self.subscription(alice.workspaceID, platform)
            #expect(paid.status == .active && paid.periodStart == trialEnd && paid.tier == "pro")
            let month = try #require(Calendar.utc.date(byAdding: .month, value: 1, to: trialEnd))
            #expect(abs(paid.periodEnd.timeIntervalSince(month)) < 0.001, "one UTC calendar month: \(paid.periodEnd) vs \(month)")
            let invoices = try await client.request(.get, "/api/v1/billing/invoices", headers: headers)
            #expect(invoices.json["total"] == 1 && invoices.json["items"]?[0]?["total"] == 4900 && invoices.json["items"]?[0]?["status"] == "open")
            #expect(invoices.json["items"]?[0]?["number"]?.stringValue?.hasSuffix("-0001") == true)

            // Three months on: each period renews once, in order.
            #expect(try await Self.advance(to: Calendar.utc.date(byAdding: .month, value: 3, to: trialEnd)!.addingTimeInterval(1), platform) >= 3)
            let numbers = try await client.request(.get, "/api/v1/billing/invoices", headers: headers).json["items"]?.arrayValue?
                .compactMap { $0["number"]?.stringValue?.suffix(4) }
            #expect(numbers == ["0004", "0003", "0002", "0001"])
        }
    }

    @Test func anUpgradeAppliesNowProratedAndADowngradeWaitsForThePeriodsEnd() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let ended = try await client.request(.post, "/api/v1/billing/end-trial", headers: headers)
            #expect(ended.json["status"] == "active" && (ended.json["trial_days_remaining"] ?? .null) == .null)
            #expect(try await client.request(.post, "/api/v1/billing/end-trial", headers: headers).errorCode == "not_trialing")

            // Halfway through the period, pro → business costs half the difference.
            let period = try await Self.subscription(alice.workspaceID, platform)
            let halfway = period.periodStart.addingTimeInterval(period.periodEnd.timeIntervalSince(period.periodStart) / 2)
            let upgrade = try await platform.withDatabase { db in
                try await Subscriptions(client: db).changePlan(
                    alice.workspaceID, PlanChangeRequest(tier: "business", billingPeriod: nil), actor: alice.userID, now: halfway, logger: Self.logger)
            }
            #expect(!upgrade.isScheduled && upgrade.prorationAmount == 7500 && upgrade.subscription.tier == "business")
            let invoices = try await client.request(.get, "/api/v1/billing/invoices", headers: headers)
            #expect(invoices.json["items"]?.arrayValue?.compactMap { $0["total"]?.intValue } == [7500, 4900])
            #expect(try await client.request(.get, "/api/v1/billing/limits", headers: headers).json["tier"] == "business")

            let down = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "pro"], headers: headers)
            #expect(down.status == .ok && down.json["is_scheduled"] == true && down.json["proration_amount"] == 0)
            #expect(down.json["effective_date"] == down.json["subscription"]?["current_period_end"])
            #expect(down.json["subscription"]?["scheduled_change"]?["tier"] == "pro" && down.json["subscription"]?["tier"] == "business")
            let kept = try await client.request(.post, "/api/v1/billing/cancel-downgrade", headers: headers)
            #expect((kept.json["scheduled_change"] ?? .null) == .null)
            #expect(try await client.request(.post, "/api/v1/billing/cancel-downgrade", headers: headers).errorCode == "no_scheduled_change")
            _ = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "free"], headers: headers)
            #expect(try await client.request(.get, "/api/v1/billing/invoices/upcoming", headers: headers).json["amount_due"] == 0)
            #expect(try await Self.advance(to: period.periodEnd.addingTimeInterval(1), platform) >= 1)
            let after = try await client.request(.get, "/api/v1/billing/subscription", headers: headers)
            #expect(after.json["tier"] == "free" && after.json["status"] == "active" && (after.json["scheduled_change"] ?? .null) == .null)
            #expect(try await client.request(.get, "/api/v1/billing/invoices", headers: headers).json["total"] == 2, "a free period is no invoice")

            #expect(try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "free"], headers: headers).errorCode == "already_on_plan")
            #expect(try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "platinum"], headers: headers).status == .unprocessableContent)
        }
    }

    @Test func cancelAtPeriodEndCanBeUndoneUntilTheClockEndsIt() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let headers = alice.headers()
            let canceled = try await client.request(.post, "/api/v1/billing/cancel", headers: headers)
            #expect(canceled.json["cancel_at_period_end"] == true && canceled.json["is_active"] == true)
            #expect(try await client.request(.get, "/api/v1/billing/invoices/upcoming", headers: headers).errorCode == "no_upcoming_invoice")
            let back = try await client.request(.post, "/api/v1/billing/reactivate", headers: headers)
            #expect(back.json["cancel_at_period_end"] == false && (back.json["canceled_at"] ?? .null) == .null)
            #expect(try await client.request(.post, "/api/v1/billing/reactivate", headers: headers).errorCode == "not_reactivatable")

            _ = try await client.request(.post, "/api/v1/billing/cancel", headers: headers)
            let trial = try await Self.subscription(alice.workspaceID, platform)
            #expect(try await Self.advance(to: trial.periodEnd.addingTimeInterval(1), platform) >= 1)
            let status = try await client.request(.get, "/api/v1/billing/subscription/status", headers: headers)
            #expect(status.json["is_active"] == false && status.json["requires_payment"] == true && status.json["tier"] == "free")
            #expect(try await client.request(.get, "/api/v1/billing/limits", headers: headers).json["tier"] == "free", "limits fall back to free")
            #expect(try await client.request(.post, "/api/v1/billing/reactivate", headers: headers).errorCode == "not_reactivatable")
            #expect(try await client.request(.post, "/api/v1/billing/cancel", headers: headers).errorCode == "subscription_ended")

            // Choosing a plan again starts a new, charged period.
            let restarted = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "pro", "billing_period": "year"], headers: headers)
            #expect(restarted.json["subscription"]?["status"] == "active" && restarted.json["proration_amount"] == 49000)
            #expect(restarted.json["subscription"]?["billing_period"] == "year")
            let now = try await client.request(.post, "/api/v1/billing/cancel?cancel_immediately=true", headers: headers)
            #expect(now.json["status"] == "canceled" && now.json["ended_at"]?.stringValue != nil)
        }
    }

    @Test func onlyAdminsChangeThePlanAndConcurrentChangesApplyOnce() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            let bobs = bob.headers(workspace: alice.workspaceID)
            #expect(try await client.request(.get, "/api/v1/billing/subscription/status", headers: bobs).status == .ok)
            for path in ["/api/v1/billing/change-plan", "/api/v1/billing/cancel", "/api/v1/billing/end-trial", "/api/v1/billing/reactivate"] {
                let refused = try await client.request(.post, path, json: ["tier": "business"], headers: bobs)
                #expect(refused.status == .forbidden, "\(path): \(refused.status)")
            }
            let answers = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "business"], headers: alice.headers()) }
                }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .ok }.count == 1)
            #expect(answers.filter { $0.errorCode == "already_on_plan" }.count == 5, "\(answers.map { "\($0.status.code) \($0.text.prefix(160))" })")
            let changes = try await platform.withDatabase { db in
                try await db.query("""
                    SELECT count(*)::int FROM control.subscription_changes WHERE workspace_id = \(alice.workspaceID) AND kind = 'upgraded'
                    """, logger: Self.logger).decode(Int.self).first { _ in true }
            }
            #expect(changes == 1)
        }
    }
}
