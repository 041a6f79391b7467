import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Each workspace's subscription (`control.subscriptions`) and its ledger of changes
/// (`control.subscription_changes`), self-hosted: without Stripe these rows are the truth.
///
/// Every change locks the subscription row first, so two admins (or an admin and the clock)
/// change one subscription one at a time. Times come from the caller (`now`), so the clock that
/// ends trials and periods can be driven by a test.
struct Subscriptions: Sendable {
    let client: PostgresClient

    static let notFound = AppError.notFound("subscription_not_found", "The workspace has no subscription.")
    static let unknownTier = AppError.validation("Choose one of the tiers.", fields: ["tier": "is not a tier"])
    static let samePlan = AppError.conflict("already_on_plan", "The workspace is already on this plan.")
    static let noScheduledChange = AppError.conflict("no_scheduled_change", "No downgrade is scheduled.")
    static let notReactivatable = AppError.conflict(
        "not_reactivatable", "Only a subscription set to cancel at the period's end, and not yet ended, can be reactivated.")
    static let notTrialing = AppError.conflict("not_trialing", "The subscription is not in a trial.")
    static let ended = AppError.conflict("subscription_ended", "The subscription has ended; change plan to start a new one.")

    /// A new workspace's subscription: the configured trial (`TRIAL_TIER`, `TRIAL_DAYS`), or with no
    /// trial days, active on that tier for a month (charged). Written in the statement after the
    /// workspace's own; again, it changes nothing.
    static func open(_ workspace: UUID, trial: Trial) -> SQLFragment {
        let days = trial.days
        return """
            WITH s AS (
                INSERT INTO control.subscriptions
                    (workspace_id, tier_id, status, trial_start, trial_end, current_period_start, current_period_end)
                SELECT \(workspace), t.id, CASE WHEN \(days) > 0 THEN 'trialing' ELSE 'active' END,
                       CASE WHEN \(days) > 0 THEN now() END, CASE WHEN \(days) > 0 THEN now() + \(days) * interval '1 day' END,
                       now(), now() + CASE WHEN \(days) > 0 THEN \(days) * interval '1 day' ELSE interval '1 month' END
                FROM control.billing_tiers t WHERE t.id = \(trial.tier)
                ON CONFLICT (workspace_id) DO NOTHING
                RETURNING *
            )
            INSERT INTO control.subscription_changes
                (workspace_id, kind, to_tier, billing_period, amount, currency, period_start, period_end, invoice_number)
            SELECT s.workspace_id, CASE WHEN s.status = 'trialing' THEN 'trial_started' ELSE 'period_started' END, s.tier_id, s.billing_period,
                   CASE WHEN s.status = 'trialing' THEN 0 ELSE t.monthly_price END, t.currency, s.current_period_start, s.current_period_end,
                   CASE WHEN s.status = 'trialing' OR t.monthly_price = 0 THEN NULL ELSE 1 END
            FROM s JOIN control.billing_tiers t ON t.id = s.tier_id
            """
    }

    func find(_ workspace: UUID, logger: Logger) async throws -> SubscriptionRow? {
        try await client.first(SubscriptionRow.self, "\(SubscriptionRow.select) WHERE s.workspace_id = \(workspace)", logger: logger)
    }

    func view(_ workspace: UUID, logger: Logger) async throws -> SubscriptionView {
        SubscriptionView(try await find(workspace, logger: logger).orNotFound(Self.notFound))
    }

    // MARK: Changes an admin makes

    /// Up a rank: now, the rest of the period charged at the difference (nothing in a trial).
    /// Down a rank, or another billing period: at the period's end. From an ended subscription: a
    /// new period on the chosen plan, charged now.
    func changePlan(_ workspace: UUID, _ request: PlanChangeRequest, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> PlanChange {
        try await client.transaction(logger: logger) { connection in
            let current = try await Self.lock(workspace, on: connection, logger: logger)
            let target = try await TierPrice.find(request.tier, on: connection, logger: logger)
            let period = request.billingPeriod ?? current.billingPeriod
            if current.status == .canceled || current.endedAt != nil {
                let amount = target.price(period)
                try await connection.execute("""
                    UPDATE control.subscriptions SET tier_id = \(target.id), billing_period = \(period.rawValue), status = 'active',
                        current_period_start = \(now), current_period_end = \(Self.periodAfter(now, period)),
                        trial_start = NULL, trial_end = NULL, cancel_at_period_end = false, canceled_at = NULL, ended_at = NULL,
                        scheduled_tier_id = NULL, scheduled_billing_period = NULL, updated_at = \(now)
                    WHERE workspace_id = \(workspace)
                    """, logger: logger)
                try await Self.record(
                    .periodStarted, workspace, from: current.tier, to: target.id, period: period, amount: amount, start: now, end: nil, actor: actor,
                    on: connection, logger: logger)
                return PlanChange(
                    subscription: try await Self.view(workspace, on: connection, logger: logger), isScheduled: false, effectiveDate: now,
                    prorationAmount: amount, currency: current.currency)
            }
            guard target.id != current.tier || period != current.billingPeriod else { throw Self.samePlan }
            if target.rank > current.rank {
                let proration = current.status == .trialing ? 0 : Self.proration(from: current, to: target, now: now)
                try await connection.execute("""
                    UPDATE control.subscriptions SET tier_id = \(target.id), scheduled_tier_id = NULL,
                        scheduled_billing_period = CASE WHEN \(period.rawValue) <> billing_period THEN \(period.rawValue) END, updated_at = \(now)
                    WHERE workspace_id = \(workspace)
                    """, logger: logger)
                try await Self.record(
                    .upgraded, workspace, from: current.tier, to: target.id, period: current.billingPeriod, amount: proration,
                    start: now, end: current.periodEnd, actor: actor, on: connection, logger: logger)
                return PlanChange(
                    subscription: try await Self.view(workspace, on: connection, logger: logger), isScheduled: false, effectiveDate: now,
                    prorationAmount: proration, currency: current.currency)
            }
            try await connection.execute("""
                UPDATE control.subscriptions SET scheduled_tier_id = \(target.id), scheduled_billing_period = \(period.rawValue), updated_at = \(now)
                WHERE workspace_id = \(workspace)
                """, logger: logger)
            try await Self.record(
                .downgradeScheduled, workspace, from: current.tier, to: target.id, period: period, amount: 0, start: current.periodEnd, end: nil,
                actor: actor, on: connection, logger: logger)
            return PlanChange(
                subscription: try await Self.view(workspace, on: connection, logger: logger), isScheduled: true, effectiveDate: current.periodEnd,
                prorationAmount: 0, currency: current.currency)
        }
    }

    func cancelDowngrade(_ workspace: UUID, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        try await client.transaction(logger: logger) { connection in
            let current = try await Self.lock(workspace, on: connection, logger: logger)
            guard let scheduled = current.scheduledTier else { throw Self.noScheduledChange }
            try await connection.execute("""
                UPDATE control.subscriptions SET scheduled_tier_id = NULL, scheduled_billing_period = NULL, updated_at = \(now)
                WHERE workspace_id = \(workspace)
                """, logger: logger)
            try await Self.record(
                .downgradeCanceled, workspace, from: scheduled, to: current.tier, period: current.billingPeriod, amount: 0, start: nil, end: nil,
                actor: actor, on: connection, logger: logger)
            return try await Self.view(workspace, on: connection, logger: logger)
        }
    }

    /// At the period's end (access until then), or now.
    func cancel(_ workspace: UUID, immediately: Bool, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        try await client.transaction(logger: logger) { connection in
            let current = try await Self.lock(workspace, on: connection, logger: logger)
            guard current.status.grantsAccess else { throw Self.ended }
            if immediately {
                try await connection.execute("""
                    UPDATE control.subscriptions SET status = 'canceled', canceled_at = \(now), ended_at = \(now), cancel_at_period_end = false,
                        scheduled_tier_id = NULL, scheduled_billing_period = NULL, updated_at = \(now)
                    WHERE workspace_id = \(workspace)
                    """, logger: logger)
                try await Self.record(
                    .canceled, workspace, from: current.tier, to: nil, period: current.billingPeriod, amount: 0, start: nil, end: now, actor: actor,
                    on: connection, logger: logger)
            } else {
                try await connection.execute("""
                    UPDATE control.subscriptions SET cancel_at_period_end = true, canceled_at = \(now), updated_at = \(now) WHERE workspace_id = \(workspace)
                    """, logger: logger)
                try await Self.record(
                    .cancelScheduled, workspace, from: current.tier, to: nil, period: current.billingPeriod, amount: 0, start: nil,
                    end: current.periodEnd, actor: actor, on: connection, logger: logger)
            }
            return try await Self.view(workspace, on: connection, logger: logger)
        }
    }

    func reactivate(_ workspace: UUID, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        try await client.transaction(logger: logger) { connection in
            let current = try await Self.lock(workspace, on: connection, logger: logger)
            guard current.cancelAtPeriodEnd, current.status.grantsAccess, current.periodEnd > now else { throw Self.notReactivatable }
            try await connection.execute("""
                UPDATE control.subscriptions SET cancel_at_period_end = false, canceled_at = NULL, updated_at = \(now) WHERE workspace_id = \(workspace)
                """, logger: logger)
            try await Self.record(
                .reactivated, workspace, from: nil, to: current.tier, period: current.billingPeriod, amount: 0, start: nil, end: nil, actor: actor,
                on: connection, logger: logger)
            return try await Self.view(workspace, on: connection, logger: logger)
        }
    }

    /// Ends the trial now and starts the first paid period.
    func endTrial(_ workspace: UUID, actor: UUID?, now: Date = Date(), logger: Logger) async throws -> SubscriptionView {
        try await client.transaction(logger: logger) { connection in
            let current = try await Self.lock(workspace, on: connection, logger: logger)
            guard current.status == .trialing else { throw Self.notTrialing }
            try await Self.startPeriod(current, workspace, at: now, endingTrial: true, actor: actor, on: connection, logger: logger)
            return try await Self.view(workspace, on: connection, logger: logger)
        }
    }

    // MARK: The clock

    /// Applies every transition due by `now`: trials end into their first paid period, periods
    /// renew (taking any scheduled downgrade or billing period), subscriptions set to cancel end.
    /// A subscription many periods behind catches up one period per pass. Answers how many
    /// transitions it made. Concurrent clocks skip each other's rows. A subscription that lives in
    /// Stripe is Stripe's to renew: its webhooks (or a live read) bring the new period.
    @discardableResult
    func advance(to now: Date, logger: Logger) async throws -> Int {
        var transitions = 0
        while true {
            let made = try await client.transaction(logger: logger) { connection in
                let due = try await connection.all(Due.self, """
                    SELECT workspace_id FROM control.subscriptions
                    WHERE status IN ('trialing', 'active', 'past_due') AND current_period_end <= \(now) AND stripe_subscription_id IS NULL
                    ORDER BY current_period_end LIMIT 100 FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                for row in due {
                    let current = try await Self.lock(row.workspaceID, on: connection, logger: logger)
                    if current.cancelAtPeriodEnd {
                        try await connection.execute("""
                            UPDATE control.subscriptions SET status = 'canceled', ended_at = current_period_end, cancel_at_period_end = false,
                                scheduled_tier_id = NULL, scheduled_billing_period = NULL, updated_at = \(now)
                            WHERE workspace_id = \(row.workspaceID)
                            """, logger: logger)
                        try await Self.record(
                            .canceled, row.workspaceID, from: current.tier, to: nil, period: current.billingPeriod, amount: 0, start: nil,
                            end: current.periodEnd, actor: nil, on: connection, logger: logger)
                    } else {
                        try await Self.startPeriod(
                            current, row.workspaceID, at: current.periodEnd, endingTrial: current.status == .trialing, actor: nil, on: connection,
                            logger: logger)
                    }
                }
                return due.count
            }
            transitions += made
            if made == 0 { return transitions }
        }
    }

    /// A new period from `start`: on the scheduled plan if there is one, charged in full.
    private static func startPeriod(
        _ current: SubscriptionRow, _ workspace: UUID, at start: Date, endingTrial: Bool, actor: UUID?, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let tier = current.scheduledTier ?? current.tier
        let period = current.scheduledPeriod ?? current.billingPeriod
        if endingTrial {
            try await record(.trialEnded, workspace, from: current.tier, to: current.tier, period: current.billingPeriod, amount: 0, start: nil,
                             end: start, actor: actor, on: connection, logger: logger)
        }
        if let scheduled = current.scheduledTier {
            try await record(.downgraded, workspace, from: current.tier, to: scheduled, period: period, amount: 0, start: start, end: nil,
                             actor: actor, on: connection, logger: logger)
        }
        try await connection.execute("""
            UPDATE control.subscriptions SET tier_id = \(tier), billing_period = \(period.rawValue), status = 'active',
                trial_end = CASE WHEN status = 'trialing' THEN \(start) ELSE trial_end END,
                current_period_start = \(start), current_period_end = \(periodAfter(start, period)),
                scheduled_tier_id = NULL, scheduled_billing_period = NULL, updated_at = now()
            WHERE workspace_id = \(workspace)
            """, logger: logger)
        let price = try await TierPrice.find(tier, on: connection, logger: logger).price(period)
        try await record(.periodStarted, workspace, from: current.tier, to: tier, period: period, amount: price, start: start, end: nil,
                         actor: actor, on: connection, logger: logger)
    }

    // MARK: Invoices

    /// Every charge of the ledger, newest first.
    func invoices(_ workspace: UUID, page: Page, logger: Logger) async throws -> InvoiceList {
        let list = try await client.list(Invoice.self, """
            FROM (SELECT id::text AS id, 'INV-' || upper(left(replace(workspace_id::text, '-', ''), 8)) || '-' || lpad(invoice_number::text, 4, '0') AS number,
                         currency, amount, kind, to_tier, billing_period, period_start, period_end, created_at
                  FROM control.subscription_changes WHERE workspace_id = \(workspace) AND invoice_number IS NOT NULL) i
            """, orderBy: "created_at DESC, id DESC", page: page, logger: logger)
        return InvoiceList(items: list.items, total: list.total, limit: list.limit, offset: list.offset)
    }

    static let noUpcomingInvoice = AppError.notFound("no_upcoming_invoice", "Nothing more will be charged: the subscription ends with this period.")

    /// The next period's charge: at the trial's or period's end, on the scheduled plan if any.
    func upcoming(_ workspace: UUID, logger: Logger) async throws -> UpcomingInvoice {
        let current = try await find(workspace, logger: logger).orNotFound(Self.notFound)
        guard current.status.grantsAccess, !current.cancelAtPeriodEnd else { throw Self.noUpcomingInvoice }
        let tier = current.scheduledTier ?? current.tier
        let period = current.scheduledPeriod ?? current.billingPeriod
        let prices = try await TierPrice.find(tier, on: client, logger: logger)
        let end = Calendar.utc.date(byAdding: period == .year ? .year : .month, value: 1, to: current.periodEnd)!
        return UpcomingInvoice(
            amountDue: prices.price(period), currency: current.currency, tier: tier, billingPeriod: period, periodStart: current.periodEnd,
            periodEnd: end, nextPaymentAttempt: current.periodEnd, description: "\(tier), one \(period.rawValue)")
    }

    // MARK: Pieces

    enum ChangeKind: String {
        case trialStarted = "trial_started", trialEnded = "trial_ended", periodStarted = "period_started", upgraded
        case downgradeScheduled = "downgrade_scheduled", downgradeCanceled = "downgrade_canceled", downgraded
        case cancelScheduled = "cancel_scheduled", reactivated, canceled
    }

    /// The rest of the period at the new price less the old, rounded to the minor unit.
    static func proration(from current: SubscriptionRow, to target: TierPrice, now: Date) -> Int {
        let whole = current.periodEnd.timeIntervalSince(current.periodStart)
        guard whole > 0 else { return 0 }
        let left = min(max(current.periodEnd.timeIntervalSince(now), 0), whole) / whole
        return Int((Double(target.price(current.billingPeriod) - current.price(current.billingPeriod)) * left).rounded())
    }

    /// One period after `start`, counted in UTC calendar months (as `Calendar.utc` counts them).
    static func periodAfter(_ start: Date?, _ period: BillingPeriod) -> SQLFragment {
        let interval: SQLFragment = period == .year ? "interval '1 year'" : "interval '1 month'"
        return "((\(start)::timestamptz AT TIME ZONE 'UTC') + \(interval)) AT TIME ZONE 'UTC'"
    }

    /// Locks the row, then reads it with its tier in a statement of its own: a locking read that
    /// joined would re-check the join against the tier the waiting-for change replaced, and miss.
    private static func lock(_ workspace: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SubscriptionRow {
        guard try await connection.execute("SELECT 1 FROM control.subscriptions WHERE workspace_id = \(workspace) FOR UPDATE", logger: logger) == 1
        else { throw notFound }
        return try await view(row: workspace, on: connection, logger: logger)
    }

    private static func view(row workspace: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SubscriptionRow {
        try await connection.first(SubscriptionRow.self, "\(SubscriptionRow.select) WHERE s.workspace_id = \(workspace)", logger: logger).orNotFound(notFound)
    }

    private static func view(_ workspace: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SubscriptionView {
        SubscriptionView(try await view(row: workspace, on: connection, logger: logger))
    }

    /// One ledger line; a positive amount is a charge and gets the workspace's next invoice number
    /// (the subscription row is locked, so numbers never collide). `end` defaults to one period on.
    static func record(
        _ kind: ChangeKind, _ workspace: UUID, from: String?, to: String?, period: BillingPeriod, amount: Int, start: Date?, end: Date?,
        actor: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.execute("""
            INSERT INTO control.subscription_changes
                (workspace_id, kind, from_tier, to_tier, billing_period, amount, currency, period_start, period_end, invoice_number, actor_id)
            SELECT \(workspace), \(kind.rawValue), \(from), \(to), \(period.rawValue), \(amount),
                   coalesce((SELECT currency FROM control.billing_tiers WHERE id = coalesce(\(to), \(from))), 'usd'),
                   \(start), coalesce(\(end), \(periodAfter(start, period))),
                   CASE WHEN \(amount) > 0 THEN (SELECT coalesce(max(invoice_number), 0) + 1 FROM control.subscription_changes WHERE workspace_id = \(workspace)) END,
                   \(actor)
            """, logger: logger)
    }

    private struct Due: Row {
        let workspaceID: UUID
        init(row: RowReader) throws { workspaceID = try row("workspace_id") }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
