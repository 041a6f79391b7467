import Foundation
import Logging
import PlatformCore

enum BillingPeriod: String, SchemaEnum {
    case month, year
}

enum SubscriptionState: String, SchemaEnum {
    case trialing, active, pastDue = "past_due", canceled, unpaid, incomplete

    /// Whether the workspace has its tier's access.
    var grantsAccess: Bool { self == .trialing || self == .active || self == .pastDue }
}

/// A subscription as the control schema holds it, with its tiers' names and prices.
struct SubscriptionRow: Row, Sendable {
    let tier: String
    let tierName: String
    let rank: Int
    let currency: String
    let monthlyPrice: Int
    let yearlyPrice: Int
    let billingPeriod: BillingPeriod
    let status: SubscriptionState
    let trialStart: Date?
    let trialEnd: Date?
    let periodStart: Date
    let periodEnd: Date
    let cancelAtPeriodEnd: Bool
    let canceledAt: Date?
    let endedAt: Date?
    let scheduledTier: String?
    let scheduledPeriod: BillingPeriod?
    let stripeCustomer: String?
    let stripeSubscription: String?
    let stripeSchedule: String?

    static let select: SQLFragment = """
        SELECT s.tier_id, t.name AS tier_name, t.rank, t.currency, t.monthly_price, t.yearly_price, s.billing_period, s.status,
               s.trial_start, s.trial_end, s.current_period_start, s.current_period_end, s.cancel_at_period_end, s.canceled_at, s.ended_at,
               s.scheduled_tier_id, s.scheduled_billing_period, s.stripe_customer_id, s.stripe_subscription_id, s.stripe_schedule_id
        FROM control.subscriptions s JOIN control.billing_tiers t ON t.id = s.tier_id
        """

    init(row: RowReader) throws {
        tier = try row("tier_id")
        tierName = try row("tier_name")
        rank = try row("rank")
        currency = try row("currency")
        monthlyPrice = try row("monthly_price")
        yearlyPrice = try row("yearly_price")
        billingPeriod = try row("billing_period", as: BillingPeriod.self)
        status = try row("status", as: SubscriptionState.self)
        trialStart = try row("trial_start")
        trialEnd = try row("trial_end")
        periodStart = try row("current_period_start")
        periodEnd = try row("current_period_end")
        cancelAtPeriodEnd = try row("cancel_at_period_end")
        canceledAt = try row("canceled_at")
        endedAt = try row("ended_at")
        scheduledTier = try row("scheduled_tier_id")
        let scheduled: String? = try row("scheduled_billing_period")
        scheduledPeriod = scheduled.flatMap(BillingPeriod.init(rawValue:))
        stripeCustomer = try row("stripe_customer_id")
        stripeSubscription = try row("stripe_subscription_id")
        stripeSchedule = try row("stripe_schedule_id")
    }

    func price(_ period: BillingPeriod) -> Int { period == .year ? yearlyPrice : monthlyPrice }
}

/// `GET /billing/subscription`: the plan, its state, its period and trial, and any change waiting
/// for the period's end.
struct SubscriptionView: APIModel {
    let tier: String
    let tierName: String
    let status: SubscriptionState
    let isActive: Bool
    let billingPeriod: BillingPeriod
    /// The price of one period, integer minor units.
    let amount: Int
    let currency: String
    let currentPeriodStart: Date
    let currentPeriodEnd: Date
    let trialStart: Date?
    let trialEnd: Date?
    /// Whole days left in the trial, rounded up; null when not trialing.
    let trialDaysRemaining: Int?
    let cancelAtPeriodEnd: Bool
    let canceledAt: Date?
    let endedAt: Date?
    let scheduledChange: ScheduledChange?
    /// `self_hosted`: the platform's own ledger is the truth; `stripe`: it mirrors Stripe.
    let provider: String

    struct ScheduledChange: APIModel {
        let tier: String
        let billingPeriod: BillingPeriod
        let effectiveDate: Date

        enum CodingKeys: String, CodingKey { case tier, billingPeriod = "billing_period", effectiveDate = "effective_date" }

        static let example = ScheduledChange(tier: "pro", billingPeriod: .month, effectiveDate: Date(timeIntervalSince1970: 1_792_000_000))
    }

    enum CodingKeys: String, CodingKey {
        case tier, tierName = "tier_name", status, isActive = "is_active", billingPeriod = "billing_period", amount, currency
        case currentPeriodStart = "current_period_start", currentPeriodEnd = "current_period_end", trialStart = "trial_start", trialEnd = "trial_end"
        case trialDaysRemaining = "trial_days_remaining", cancelAtPeriodEnd = "cancel_at_period_end", canceledAt = "canceled_at", endedAt = "ended_at"
        case scheduledChange = "scheduled_change", provider
    }

    init(_ row: SubscriptionRow, now: Date = Date()) {
        tier = row.tier
        tierName = row.tierName
        status = row.status
        isActive = row.status.grantsAccess
        billingPeriod = row.billingPeriod
        amount = row.price(row.billingPeriod)
        currency = row.currency
        currentPeriodStart = row.periodStart
        currentPeriodEnd = row.periodEnd
        trialStart = row.trialStart
        trialEnd = row.trialEnd
        trialDaysRemaining = row.status == .trialing ? row.trialEnd.map { max(0, Int(($0.timeIntervalSince(now) / 86_400).rounded(.up))) } : nil
        cancelAtPeriodEnd = row.cancelAtPeriodEnd
        canceledAt = row.canceledAt
        endedAt = row.endedAt
        scheduledChange = row.scheduledTier.map {
            ScheduledChange(tier: $0, billingPeriod: row.scheduledPeriod ?? row.billingPeriod, effectiveDate: row.periodEnd)
        }
        provider = row.stripeSubscription == nil ? "self_hosted" : "stripe"
    }

    init(tier: String, tierName: String, status: SubscriptionState, billingPeriod: BillingPeriod, amount: Int, start: Date, end: Date) {
        (self.tier, self.tierName, self.status, isActive, self.billingPeriod, self.amount, currency) = (
            tier, tierName, status, status.grantsAccess, billingPeriod, amount, "usd"
        )
        (currentPeriodStart, currentPeriodEnd, trialStart, trialEnd, trialDaysRemaining) = (start, end, start, end, status == .trialing ? 3 : nil)
        (cancelAtPeriodEnd, canceledAt, endedAt, scheduledChange, provider) = (false, nil, nil, nil, "self_hosted")
    }

    static let example = SubscriptionView(
        tier: "pro", tierName: "Pro", status: .trialing, billingPeriod: .month, amount: 4900, start: Date(timeIntervalSince1970: 1_790_000_000),
        end: Date(timeIntervalSince1970: 1_790_259_200))
}

/// `GET /billing/subscription/status`: the quick check a page makes on load.
struct SubscriptionStatus: APIModel {
    let isActive: Bool
    let requiresPayment: Bool
    let status: SubscriptionState?
    let tier: String
    let message: String

    enum CodingKeys: String, CodingKey { case isActive = "is_active", requiresPayment = "requires_payment", status, tier, message }

    init(_ row: SubscriptionRow?, now: Date = Date()) {
        guard let row else {
            (isActive, requiresPayment, status, tier, message) = (false, true, nil, "free", "No subscription: choose a plan.")
            return
        }
        let access = row.status.grantsAccess
        (isActive, status) = (access, row.status)
        tier = access ? row.tier : "free"
        requiresPayment = !access || row.status == .pastDue
        let view = SubscriptionView(row, now: now)
        switch row.status {
        case .trialing: message = "Trial of \(row.tierName): \(view.trialDaysRemaining ?? 0) day(s) left."
        case .active where row.cancelAtPeriodEnd: message = "\(row.tierName) until the end of the period, then canceled."
        case .active: message = "\(row.tierName) is active."
        case .pastDue: message = "The last payment failed: update the payment method to keep \(row.tierName)."
        case .canceled: message = "The subscription was canceled: choose a plan to continue."
        case .unpaid, .incomplete: message = "Payment is required to use \(row.tierName)."
        }
    }

    static let example = SubscriptionStatus(nil)
}

/// `POST /billing/change-plan`.
struct PlanChangeRequest: RequestBody, APIModel {
    let tier: String
    let billingPeriod: BillingPeriod?

    enum CodingKeys: String, CodingKey { case tier, billingPeriod = "billing_period" }

    static let example = PlanChangeRequest(tier: "business", billingPeriod: .month)
}

/// What a plan change did: applied now (an upgrade, prorated) or scheduled for the period's end.
struct PlanChange: APIModel {
    let subscription: SubscriptionView
    let isScheduled: Bool
    let effectiveDate: Date
    /// What the rest of this period costs on the new plan, integer minor units (0 in a trial or when scheduled).
    let prorationAmount: Int
    let currency: String
    /// With Stripe and no Stripe subscription yet: the checkout page that starts one on the plan.
    var checkoutURL: String? = nil

    enum CodingKeys: String, CodingKey {
        case subscription, isScheduled = "is_scheduled", effectiveDate = "effective_date", prorationAmount = "proration_amount", currency
        case checkoutURL = "checkout_url"
    }

    static let example = PlanChange(
        subscription: .example, isScheduled: false, effectiveDate: Date(timeIntervalSince1970: 1_790_100_000), prorationAmount: 7500, currency: "usd")
}

/// `POST /billing/cancel?cancel_immediately=true`.
struct CancelQuery: QueryParameters {
    /// End the subscription now instead of at the period's end.
    let cancelImmediately: Bool?

    enum CodingKeys: String, CodingKey { case cancelImmediately = "cancel_immediately" }
}

/// An invoice: Stripe's, or (self-hosted) a charge in the subscription's ledger.
struct Invoice: APIModel, TableRow {
    /// Stripe's invoice id (`in_…`), or the ledger line's id.
    let id: String
    let number: String
    /// Self-hosted invoices stay `open`: nothing collects them. Stripe's follow Stripe
    /// (`draft`, `open`, `paid`, `uncollectible`, `void`).
    let status: String
    let currency: String
    let total: Int
    let amountDue: Int
    let amountPaid: Int
    let description: String
    let periodStart: Date?
    let periodEnd: Date?
    let createdAt: Date
    /// Stripe's page for the invoice; null self-hosted.
    var hostedInvoiceURL: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, number, status, currency, total, amountDue = "amount_due", amountPaid = "amount_paid", description
        case periodStart = "period_start", periodEnd = "period_end", createdAt = "created_at", hostedInvoiceURL = "hosted_invoice_url"
    }

    static let columns: Columns = ["id", "number", "currency", "amount", "kind", "to_tier", "billing_period", "period_start", "period_end", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        number = try row("number")
        currency = try row("currency")
        total = try row("amount")
        amountDue = total
        amountPaid = 0
        status = "open"
        let kind: String = try row("kind")
        let tier: String? = try row("to_tier")
        let period: String? = try row("billing_period")
        description = kind == "upgraded"
            ? "Upgrade to \(tier ?? "?") for the rest of the period"
            : "\(tier ?? "?"), one \(period ?? "month")"
        periodStart = try row("period_start")
        periodEnd = try row("period_end")
        createdAt = try row("created_at")
    }

    /// A Stripe invoice object.
    init?(stripe object: JSONValue) {
        guard object["object"]?.stringValue == "invoice", let id = object["id"]?.stringValue,
              let created = StripeSubscriptionState.date(object["created"])
        else { return nil }
        self.id = id
        number = object["number"]?.stringValue ?? id
        status = object["status"]?.stringValue ?? "draft"
        currency = object["currency"]?.stringValue ?? "usd"
        total = Int(object["total"]?.numberValue ?? 0)
        amountDue = Int(object["amount_due"]?.numberValue ?? 0)
        amountPaid = Int(object["amount_paid"]?.numberValue ?? 0)
        let line = object["lines"]?["data"]?[0]
        description = object["description"]?.stringValue ?? line?["description"]?.stringValue ?? "Subscription"
        periodStart = StripeSubscriptionState.date(line?["period"]?["start"]) ?? StripeSubscriptionState.date(object["period_start"])
        periodEnd = StripeSubscriptionState.date(line?["period"]?["end"]) ?? StripeSubscriptionState.date(object["period_end"])
        createdAt = created
        hostedInvoiceURL = object["hosted_invoice_url"]?.stringValue
    }

    init(id: String, number: String, total: Int, description: String, start: Date, end: Date) {
        (self.id, self.number, status, currency, self.total, amountDue, amountPaid, self.description) = (id, number, "open", "usd", total, total, 0, description)
        (periodStart, periodEnd, createdAt) = (start, end, start)
    }

    static let example = Invoice(
        id: "2b7f3c1d-9a4e-4f6b-8c2d-1e3f5a7b9c0d", number: "INV-1A2B3C4D-0001", total: 4900, description: "pro, one month",
        start: Date(timeIntervalSince1970: 1_790_259_200), end: Date(timeIntervalSince1970: 1_792_851_200))
}

struct InvoiceList: APIModel {
    let items: [Invoice]
    let total: Int
    let limit: Int
    let offset: Int
    static let example = InvoiceList(items: [.example], total: 1, limit: 50, offset: 0)
}

/// What the next period will cost, and when.
struct UpcomingInvoice: APIModel {
    let amountDue: Int
    let currency: String
    let tier: String
    let billingPeriod: BillingPeriod
    let periodStart: Date
    let periodEnd: Date
    let nextPaymentAttempt: Date
    let description: String

    enum CodingKeys: String, CodingKey {
        case amountDue = "amount_due", currency, tier, billingPeriod = "billing_period", periodStart = "period_start", periodEnd = "period_end"
        case nextPaymentAttempt = "next_payment_attempt", description
    }

    static let example = UpcomingInvoice(
        amountDue: 4900, currency: "usd", tier: "pro", billingPeriod: .month, periodStart: Date(timeIntervalSince1970: 1_790_259_200),
        periodEnd: Date(timeIntervalSince1970: 1_792_851_200), nextPaymentAttempt: Date(timeIntervalSince1970: 1_790_259_200), description: "pro, one month")
}

/// A tier's prices: the platform's own (integer minor units) and the Stripe prices that charge them.
struct TierPrice: Row, Sendable {
    let id: String
    let rank: Int
    let currency: String
    let monthlyPrice: Int
    let yearlyPrice: Int
    let durationMonths: Int
    let stripeMonthly: String?
    let stripeYearly: String?
    let stripeOneTime: String?

    init(row: RowReader) throws {
        id = try row("id")
        rank = try row("rank")
        currency = try row("currency")
        monthlyPrice = try row("monthly_price")
        yearlyPrice = try row("yearly_price")
        durationMonths = try row("duration_months")
        stripeMonthly = try row("stripe_monthly_price")
        stripeYearly = try row("stripe_yearly_price")
        stripeOneTime = try row("stripe_one_time_price")
    }

    /// The tier named `id`, or a 422 naming the field.
    static func find(_ id: String, on database: some Queryable, logger: Logger) async throws -> TierPrice {
        try await database.first(TierPrice.self, """
            SELECT id, rank, currency, monthly_price, yearly_price, duration_months, stripe_monthly_price, stripe_yearly_price, stripe_one_time_price
            FROM control.billing_tiers WHERE id = \(id)
            """, logger: logger).orNotFound(Subscriptions.unknownTier)
    }

    func price(_ period: BillingPeriod) -> Int { period == .year ? yearlyPrice : monthlyPrice }

    /// The Stripe price for `period`, or (nil) the one-time price.
    func stripePrice(_ period: BillingPeriod?) -> String? {
        switch period {
        case .month: stripeMonthly
        case .year: stripeYearly
        case nil: stripeOneTime
        }
    }
}
