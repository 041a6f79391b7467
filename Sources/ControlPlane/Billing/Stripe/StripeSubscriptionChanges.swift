import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Plan changes, cancel, reactivate and the trial's end, wherever the subscription lives. A workspace
/// with a Stripe subscription asks Stripe and mirrors its answer (and notes the change in the ledger
/// of changes); one without changes through the platform's own ledger, except that with Stripe
/// configured a plan change answers a checkout page: paying comes first.
extension StripeBilling {
    func changePlan(_ workspace: UUID, _ request: PlanChangeRequest, email: String?, actor: UUID?, now: Date = Date(), logger: Logger) async throws
        -> PlanChange
    {
        guard let linked = try await linked(workspace, logger: logger), linked.row.status.grantsAccess else {
            guard stripe != nil else { return try await subscriptions.changePlan(workspace, request, actor: actor, now: now, logger: logger) }
            let session = try await checkout(
                workspace, CheckoutRequest(tier: request.tier, billingPeriod: request.billingPeriod, successURL: nil, cancelURL: nil), oneTime: false,
                email: email, actor: actor, logger: logger)
            let view = try await subscriptions.view(workspace, logger: logger)
            return PlanChange(subscription: view, isScheduled: false, effectiveDate: now, prorationAmount: 0, currency: view.currency, checkoutURL: session.url)
        }
        let (stripe, current, live) = linked
        let target = try await TierPrice.find(request.tier, on: client, logger: logger)
        let period = request.billingPeriod ?? current.billingPeriod
        guard target.id != current.tier || period != current.billingPeriod else { throw Subscriptions.samePlan }
        guard let price = target.stripePrice(period) else { throw Self.priceNotConfigured }
        guard let item = live.itemID, let currentPrice = live.priceID else { throw StripeClient.failure(200, nil) }

        if target.rank > current.rank {
            // Up: now, the rest of the period invoiced at once (nothing in a trial); a waiting downgrade is dropped.
            if let schedule = live.schedule { _ = try await stripe.create("subscription_schedules/\(schedule)/release", [], logger: logger) }
            let trialing = current.status == .trialing
            let answer = try await stripe.create("subscriptions/\(live.id)", [
                ("items[0][id]", item), ("items[0][price]", price), ("proration_behavior", trialing ? "none" : "always_invoice"),
                ("payment_behavior", "error_if_incomplete"), ("metadata[tier]", target.id), ("expand[0]", "latest_invoice"),
            ], idempotencyKey: UUID().uuidString, logger: logger)
            // What Stripe invoiced for the rest of the period; as the ledger would count it if it did not say.
            let invoiced = answer["latest_invoice"]?["amount_due"]?.intValue
            let proration = trialing ? 0 : invoiced ?? Subscriptions.proration(from: current, to: target, now: now)
            try await mirror(answer, workspace, logger: logger) { connection in
                try await Subscriptions.record(
                    .upgraded, workspace, from: current.tier, to: target.id, period: current.billingPeriod, amount: proration, start: now,
                    end: current.periodEnd, actor: actor, on: connection, logger: logger)
            }
            return PlanChange(
                subscription: try await subscriptions.view(workspace, logger: logger), isScheduled: false, effectiveDate: now,
                prorationAmount: proration, currency: current.currency, checkoutURL: nil)
        }

        // Down: a schedule keeps this plan to the period's end, then the new one, then lets the
        // subscription go on by itself.
        let schedule: String
        if let existing = live.schedule {
            schedule = existing
        } else {
            let created = try await stripe.create(
                "subscription_schedules", [("from_subscription", live.id)], idempotencyKey: "schedule:\(live.id):\(Int(live.periodEnd.timeIntervalSince1970))",
                logger: logger)
            guard let id = created["id"]?.stringValue, StripeClient.isID(id) else { throw StripeClient.failure(200, nil) }
            schedule = id
        }
        var phases: [(String, String)] = [
            ("end_behavior", "release"), ("proration_behavior", "none"),
            ("phases[0][items][0][price]", currentPrice), ("phases[0][start_date]", Self.unix(live.periodStart)),
            ("phases[0][end_date]", Self.unix(live.periodEnd)),
            ("phases[1][items][0][price]", price), ("phases[1][iterations]", "1"), ("phases[1][metadata][tier]", target.id),
        ]
        if current.status == .trialing, let trialEnd = live.trialEnd { phases.append(("phases[0][trial_end]", Self.unix(trialEnd))) }
        _ = try await stripe.create("subscription_schedules/\(schedule)", phases, idempotencyKey: UUID().uuidString, logger: logger)
        try await client.transaction(logger: logger) { connection in
            try await connection.execute("""
                UPDATE control.subscriptions SET scheduled_tier_id = \(target.id), scheduled_billing_period = \(period.rawValue),
                    stripe_schedule_id = \(schedule), updated_at = now()
                WHERE workspace_id = \(workspace)
                """, logger: logger)
            try await Subscriptions.record(
                .downgradeScheduled, workspace, from: current.tier, to: target.id, period: period, amount: 0, start: current.periodEnd, end: nil,
                actor: actor, on: connection, logger: logger)
        }
        return PlanChange(
            subscription: try await subscriptions.view(workspace, logger: logger), isScheduled: true, effectiveDate: current.periodEnd,
            prorationAmount: 0, currency: current.currency, checkoutURL: nil)
    }

    func cancelDowngrade(_ workspace: UUID, actor: UUID?, logger: Logger) async throws -> SubscriptionView {
        guard let (stripe, current, live) = try await linked(workspace, logger: logger) else {
            return try await subscriptions.cancelDowngrade(workspace, actor: actor, logger: logger)
        }
        guard let scheduled = current.scheduledTier else { throw Subscriptions.noScheduledChange }
        if let schedule = live.schedule { _ = try await stripe.create("subscription_schedules/\(schedule)/release", [], logger: logger) }
        let answer = try await stripe.retrieve("subscriptions/\(live.id)", logger: logger)
        try await mirror(answer, workspace, logger: logger) { connection in
            try await connection.execute("""
                UPDATE control.subscriptions SET scheduled_tier_id = NULL, scheduled_billing_period = NULL, stripe_schedule_id = NULL
                WHERE workspace_id = \(workspace)
                """, logger: logger)
            try await Subscriptions.record(
                .downgradeCanceled, workspace, from: scheduled, to: current.tier, period: current.billingPeriod, amount: 0, start: nil, end: nil,
                actor: actor, on: connection, logger: logger)
        }
        return try await subscriptions.view(workspace, logger: logger)
    }

    /// At the period's end (a waiting downgrade is dropped: Stripe lets a schedule go first), or now.
    func cancel(_ workspace: UUID, immediately: Bool, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        guard let (stripe, current, live) = try await linked(workspace, logger: logger) else {
            return try await subscriptions.cancel(workspace, immediately: immediately, actor: actor, now: now, logger: logger)
        }
        guard current.status.grantsAccess else { throw Subscriptions.ended }
        let answer: JSONValue
        if immediately {
            answer = try await stripe.delete("subscriptions/\(live.id)", logger: logger)
        } else {
            if let schedule = live.schedule { _ = try await stripe.create("subscription_schedules/\(schedule)/release", [], logger: logger) }
            answer = try await stripe.create("subscriptions/\(live.id)", [("cancel_at_period_end", "true")], idempotencyKey: UUID().uuidString, logger: logger)
        }
        try await mirror(answer, workspace, logger: logger) { connection in
            try await Subscriptions.record(
                immediately ? .canceled : .cancelScheduled, workspace, from: current.tier, to: nil, period: current.billingPeriod, amount: 0, start: nil,
                end: immediately ? now : current.periodEnd, actor: actor, on: connection, logger: logger)
        }
        return try await subscriptions.view(workspace, logger: logger)
    }

    func reactivate(_ workspace: UUID, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        guard let (stripe, current, live) = try await linked(workspace, logger: logger) else {
            return try await subscriptions.reactivate(workspace, actor: actor, now: now, logger: logger)
        }
        guard current.cancelAtPeriodEnd, current.status.grantsAccess, current.periodEnd > now else { throw Subscriptions.notReactivatable }
        let answer = try await stripe.create("subscriptions/\(live.id)", [("cancel_at_period_end", "false")], idempotencyKey: UUID().uuidString, logger: logger)
        try await mirror(answer, workspace, logger: logger) { connection in
            try await Subscriptions.record(
                .reactivated, workspace, from: nil, to: current.tier, period: current.billingPeriod, amount: 0, start: nil, end: nil, actor: actor,
                on: connection, logger: logger)
        }
        return try await subscriptions.view(workspace, logger: logger)
    }

    /// Stripe ends the trial now and invoices the first period at once.
    func endTrial(_ workspace: UUID, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        guard let (stripe, current, live) = try await linked(workspace, logger: logger) else {
            return try await subscriptions.endTrial(workspace, actor: actor, now: now, logger: logger)
        }
        guard current.status == .trialing else { throw Subscriptions.notTrialing }
        let answer = try await stripe.create(
            "subscriptions/\(live.id)", [("trial_end", "now"), ("payment_behavior", "error_if_incomplete")], idempotencyKey: UUID().uuidString,
            logger: logger)
        try await mirror(answer, workspace, logger: logger) { connection in
            try await Subscriptions.record(
                .trialEnded, workspace, from: current.tier, to: current.tier, period: current.billingPeriod, amount: 0, start: nil, end: now,
                actor: actor, on: connection, logger: logger)
        }
        return try await subscriptions.view(workspace, logger: logger)
    }

    // MARK: Pieces

    /// The workspace's Stripe subscription, read live and mirrored first, with the row as it then
    /// is; nil without Stripe or without a Stripe subscription.
    private func linked(_ workspace: UUID, logger: Logger) async throws -> (stripe: StripeClient, row: SubscriptionRow, live: StripeSubscriptionState)? {
        guard let stripe, let id = try await subscriptions.find(workspace, logger: logger)?.stripeSubscription, StripeClient.isID(id) else { return nil }
        let answer = try await stripe.retrieve("subscriptions/\(id)", logger: logger)
        guard let live = StripeSubscriptionState(answer) else { throw StripeClient.failure(200, nil) }
        try await mirror(answer, workspace, logger: logger)
        return (stripe, try await subscriptions.find(workspace, logger: logger).orNotFound(Subscriptions.notFound), live)
    }

    static func unix(_ date: Date) -> String { String(Int(date.timeIntervalSince1970)) }
}
