import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Billing through Stripe, when `STRIPE_SECRET_KEY` is set: checkout, the billing portal, setup
/// intents and subscriptions go to Stripe, and its webhooks keep `control.subscriptions` a mirror
/// of Stripe's state. Without a key, checkout applies the plan through the platform's own ledger
/// and what only Stripe can do answers 409 `payment_provider_not_configured`.
struct StripeBilling: Sendable {
    let client: PostgresClient
    let stripe: StripeClient?
    let settings: StripeSettings?
    let subscriptions: Subscriptions
    let invites: StripeInvites
    let publicURL: String

    static let notConfigured = AppError.conflict(
        "payment_provider_not_configured", "This deployment takes no payments through Stripe; plans change with POST /billing/change-plan.")
    static let priceNotConfigured = AppError.conflict("price_not_configured", "This tier has no Stripe price for that billing period.")
    static let invalidEvent = AppError.badRequest("invalid_event", "The body is not a Stripe event.")

    // MARK: Checkout, portal, setup intents, subscriptions

    /// A Checkout session for `request.tier` (a subscription, with what is left of the trial; or a
    /// one-time purchase of the tier's duration). Self-hosted: the plan changes at once.
    func checkout(
        _ workspace: UUID, _ request: CheckoutRequest, oneTime: Bool, email: String?, actor: UUID?, idempotencyKey: String? = nil, logger: Logger
    ) async throws -> CheckoutSession {
        guard let stripe else {
            let change = try await subscriptions.changePlan(
                workspace, PlanChangeRequest(tier: request.tier, billingPeriod: request.billingPeriod), actor: actor, logger: logger)
            return CheckoutSession(provider: "self_hosted", url: nil, sessionID: nil, subscription: change.subscription)
        }
        let period = request.billingPeriod ?? .month
        let tier = try await price(request.tier, oneTime ? nil : period, logger: logger)
        let customer = try await customer(for: workspace, email: email, logger: logger)
        let current = try await subscriptions.find(workspace, logger: logger)
        var form: [(String, String)] = [
            ("mode", oneTime ? "payment" : "subscription"), ("customer", customer), ("client_reference_id", workspace.uuidString.lowercased()),
            ("line_items[0][price]", tier.price), ("line_items[0][quantity]", "1"),
            ("success_url", Self.withSessionID(request.successURL ?? "\(publicURL)/billing/success")),
            ("cancel_url", request.cancelURL ?? "\(publicURL)/billing"),
            ("metadata[workspace_id]", workspace.uuidString.lowercased()), ("metadata[tier]", request.tier),
        ]
        if oneTime {
            form += [("payment_method_types[0]", "card"), ("payment_method_types[1]", "sepa_debit"), ("metadata[duration_months]", "\(tier.durationMonths)")]
        } else {
            form += [("subscription_data[metadata][workspace_id]", workspace.uuidString.lowercased()), ("subscription_data[metadata][tier]", request.tier)]
            if let current, current.status == .trialing, let left = SubscriptionView(current).trialDaysRemaining, left > 0 {
                form.append(("subscription_data[trial_period_days]", "\(left)"))
            }
        }
        let session = try await stripe.create("checkout/sessions", form, idempotencyKey: idempotencyKey ?? UUID().uuidString, logger: logger)
        return CheckoutSession(provider: "stripe", url: session["url"]?.stringValue, sessionID: session["id"]?.stringValue, subscription: nil)
    }

    /// Stripe's billing portal; without a Stripe subscription yet, a checkout page instead.
    func portal(_ workspace: UUID, _ query: PortalQuery, email: String?, actor: UUID?, logger: Logger) async throws -> PortalSession {
        guard let stripe else { return PortalSession(provider: "self_hosted", url: nil, kind: "none") }
        let current = try await subscriptions.find(workspace, logger: logger)
        guard let customer = try await stripeCustomer(workspace, logger: logger), try await stripeSubscription(workspace, logger: logger) != nil else {
            let checkout = try await checkout(
                workspace, CheckoutRequest(tier: query.tier ?? current?.tier ?? "pro", billingPeriod: query.billingPeriod, successURL: query.returnURL, cancelURL: query.returnURL),
                oneTime: false, email: email, actor: actor, logger: logger)
            return PortalSession(provider: "stripe", url: checkout.url, kind: "checkout")
        }
        let session = try await stripe.create(
            "billing_portal/sessions", [("customer", customer), ("return_url", query.returnURL ?? "\(publicURL)/billing")],
            idempotencyKey: UUID().uuidString, logger: logger)
        return PortalSession(provider: "stripe", url: session["url"]?.stringValue, kind: "portal")
    }

    /// A SetupIntent for Stripe Elements; `workspace` nil for the public signup page (no customer yet).
    func setupIntent(_ workspace: UUID?, email: String?, logger: Logger) async throws -> SetupIntent {
        guard let stripe else { throw Self.notConfigured }
        var form: [(String, String)] = [("usage", "off_session"), ("payment_method_types[0]", "card")]
        if let workspace { form.append(("customer", try await customer(for: workspace, email: email, logger: logger))) }
        let intent = try await stripe.create("setup_intents", form, idempotencyKey: UUID().uuidString, logger: logger)
        guard let id = intent["id"]?.stringValue, let secret = intent["client_secret"]?.stringValue else { throw StripeClient.failure(200, nil) }
        return SetupIntent(setupIntentID: id, clientSecret: secret, publishableKey: settings?.publishableKey)
    }

    /// A Stripe subscription paid by the confirmed payment method, with what is left of the trial.
    func subscribe(_ workspace: UUID, _ request: SubscriptionRequest, email: String?, idempotencyKey: String? = nil, logger: Logger) async throws
        -> SubscriptionView
    {
        guard let stripe else { throw Self.notConfigured }
        let period = request.billingPeriod ?? .month
        let tier = try await price(request.tier, period, logger: logger)
        let customer = try await customer(for: workspace, email: email, logger: logger)
        _ = try await stripe.create(
            "payment_methods/\(request.paymentMethodID)/attach", [("customer", customer)], idempotencyKey: "attach:\(workspace):\(request.paymentMethodID)",
            logger: logger)
        var form: [(String, String)] = [
            ("customer", customer), ("items[0][price]", tier.price), ("default_payment_method", request.paymentMethodID),
            ("metadata[workspace_id]", workspace.uuidString.lowercased()), ("metadata[tier]", request.tier),
        ]
        if let current = try await subscriptions.find(workspace, logger: logger), current.status == .trialing,
           let left = SubscriptionView(current).trialDaysRemaining, left > 0 {
            form.append(("trial_period_days", "\(left)"))
        }
        let created = try await stripe.create("subscriptions", form, idempotencyKey: idempotencyKey ?? UUID().uuidString, logger: logger)
        try await mirror(created, workspace, logger: logger)
        return try await subscriptions.view(workspace, logger: logger)
    }

    /// The end of signup (§3.1, §3.2), with Stripe: an invited workspace mirrors the subscription it
    /// paid for; a new one gets its customer and, with a payment method, a subscription that starts
    /// with the trial; without one (or when the card is refused) the answer is a checkout page.
    /// The workspace is ready either way, on its trial, so Stripe failing is logged, not fatal.
    /// Fixed idempotency keys make a resumed signup job the same requests.
    func afterSignup(_ signup: SignupPayload, logger: Logger) async -> String? {
        guard stripe != nil else { return nil }
        let workspace = signup.workspaceID
        if signup.inviteID != nil {
            try? await sync(workspace, logger: logger)
            return nil
        }
        do {
            let tier = try await subscriptions.find(workspace, logger: logger)?.tier ?? "pro"
            if let method = signup.paymentMethodID {
                do {
                    _ = try await subscribe(
                        workspace, SubscriptionRequest(paymentMethodID: method, tier: tier, billingPeriod: .month), email: signup.email,
                        idempotencyKey: "signup-subscription:\(workspace.uuidString.lowercased())", logger: logger)
                    return nil
                } catch {
                    logger.notice("signup subscription refused; answering a checkout page", metadata: ["error": "\(error)"])
                }
            }
            let session = try await checkout(
                workspace, CheckoutRequest(tier: tier, billingPeriod: .month, successURL: nil, cancelURL: nil), oneTime: false, email: signup.email,
                actor: signup.userID, idempotencyKey: "signup-checkout:\(workspace.uuidString.lowercased())", logger: logger)
            return session.url
        } catch {
            logger.warning("signup billing not set up in Stripe; the workspace stays on its trial", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Stripe's live state of the workspace's subscription, mirrored before it is shown, so a missed
    /// webhook costs nothing. Without Stripe, or without a Stripe subscription, nothing to do; when
    /// Stripe cannot answer, the mirror is shown as it is.
    func sync(_ workspace: UUID, logger: Logger) async throws {
        guard let stripe, let id = try await stripeSubscription(workspace, logger: logger), StripeClient.isID(id) else { return }
        let live: JSONValue
        do {
            live = try await stripe.retrieve("subscriptions/\(id)", timeout: .seconds(5), logger: logger)
        } catch {
            logger.warning("stripe subscription not synced; showing the mirror", metadata: ["error": "\(error)"])
            return
        }
        guard StripeSubscriptionState(live) != nil else { return }
        try await mirror(live, workspace, logger: logger)
    }

    /// The public link to pay for a price (`/billing/pay/{price_id}`): a Checkout session's URL.
    func payLink(_ priceID: String, _ query: PayQuery, trialDays: Int, logger: Logger) async throws -> String {
        guard let stripe else { throw Self.notConfigured }
        guard StripeClient.isID(priceID) else { throw Self.unknownPrice }
        let price = try await stripe.retrieve("prices/\(priceID)", logger: logger)
        let recurring = price["type"]?.stringValue == "recurring"
        var form: [(String, String)] = [
            ("mode", recurring ? "subscription" : "payment"), ("line_items[0][price]", priceID), ("line_items[0][quantity]", "1"),
            ("success_url", Self.withSessionID("\(publicURL)/signup/complete")), ("cancel_url", "\(publicURL)/pricing"),
        ]
        form.append(("metadata[price_id]", priceID))
        if let ref = query.ref, !ref.isEmpty { form.append(("metadata[affiliate_code]", ref)) }
        let days = query.days ?? trialDays
        if recurring, days > 0 { form.append(("subscription_data[trial_period_days]", "\(days)")) }
        let session = try await stripe.create("checkout/sessions", form, idempotencyKey: UUID().uuidString, logger: logger)
        guard let url = session["url"]?.stringValue else { throw StripeClient.failure(200, nil) }
        return url
    }

    static let unknownPrice = AppError.notFound("price_not_found", "No Stripe price has this id.")
    static let invalidDays = AppError.validation("Trial days are 0 to 365.", fields: ["days": "must be 0 to 365"])

    // MARK: Pieces

    /// The Stripe price of a tier: for `period`, or (nil) its one-time price.
    private func price(_ tier: String, _ period: BillingPeriod?, logger: Logger) async throws -> (price: String, durationMonths: Int) {
        let tier = try await TierPrice.find(tier, on: client, logger: logger)
        guard let price = tier.stripePrice(period) else { throw Self.priceNotConfigured }
        return (price, tier.durationMonths)
    }

    private func stripeCustomer(_ workspace: UUID, logger: Logger) async throws -> String? {
        try await client.value(String?.self, "SELECT stripe_customer_id FROM control.subscriptions WHERE workspace_id = \(workspace)", logger: logger) ?? nil
    }

    private func stripeSubscription(_ workspace: UUID, logger: Logger) async throws -> String? {
        try await client.value(String?.self, "SELECT stripe_subscription_id FROM control.subscriptions WHERE workspace_id = \(workspace)", logger: logger) ?? nil
    }

    /// The workspace's Stripe customer, created once (the idempotency key makes two racing
    /// requests one customer).
    private func customer(for workspace: UUID, email: String?, logger: Logger) async throws -> String {
        if let existing = try await stripeCustomer(workspace, logger: logger) { return existing }
        guard let stripe else { throw Self.notConfigured }
        var form: [(String, String)] = [("metadata[workspace_id]", workspace.uuidString.lowercased())]
        if let email { form.append(("email", email)) }
        let created = try await stripe.create("customers", form, idempotencyKey: "customer:\(workspace.uuidString.lowercased())", logger: logger)
        guard let id = created["id"]?.stringValue else { throw StripeClient.failure(200, nil) }
        try await client.execute("""
            UPDATE control.subscriptions SET stripe_customer_id = coalesce(stripe_customer_id, \(id)), updated_at = now() WHERE workspace_id = \(workspace)
            """, logger: logger)
        return try await stripeCustomer(workspace, logger: logger) ?? id
    }

    static func withSessionID(_ url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "session_id={CHECKOUT_SESSION_ID}"
    }

    /// Stripe's answer to a request (a subscription) mirrored, with `then` in the same transaction.
    func mirror(
        _ answer: JSONValue, _ workspace: UUID, logger: Logger, then: (PostgresConnection) async throws -> Void = { _ in }
    ) async throws {
        guard let state = StripeSubscriptionState(answer) else { throw StripeClient.failure(200, nil) }
        try await client.transaction(logger: logger) { connection in
            _ = try await Self.mirror(state, workspace: workspace, as: nil, on: connection, logger: logger)
            try await then(connection)
        }
    }

    /// Writes Stripe's state of a subscription into the workspace's row, unless the row already
    /// holds a newer state (`stripe_synced_at`): an event's state is as of its `created`; Stripe's
    /// answer to a request (`of` nil) is the newest there is and always written. Answers whether it wrote.
    /// A downgrade scheduled in Stripe stays shown until its schedule is gone or its plan has begun.
    static func mirror(_ state: StripeSubscriptionState, workspace: UUID, as of: Date?, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let scheduleKept: SQLFragment = """
            (\(state.schedule)::text IS NOT NULL AND NOT (coalesce((SELECT id FROM plan), s.tier_id) = s.scheduled_tier_id
                AND coalesce((SELECT period FROM plan), s.billing_period) = coalesce(s.scheduled_billing_period, s.billing_period)))
            """
        return try await connection.execute("""
            WITH plan AS (
                SELECT id, CASE WHEN stripe_yearly_price = \(state.priceID) THEN 'year' ELSE 'month' END AS period
                FROM control.billing_tiers WHERE \(state.priceID)::text IS NOT NULL
                  AND (stripe_monthly_price = \(state.priceID) OR stripe_yearly_price = \(state.priceID))
                LIMIT 1
            )
            UPDATE control.subscriptions s SET
                status = \(state.status.rawValue), tier_id = coalesce((SELECT id FROM plan), s.tier_id),
                billing_period = coalesce((SELECT period FROM plan), s.billing_period),
                current_period_start = \(state.periodStart), current_period_end = \(state.periodEnd),
                trial_start = \(state.trialStart), trial_end = \(state.trialEnd), cancel_at_period_end = \(state.cancelAtPeriodEnd),
                canceled_at = \(state.canceledAt), ended_at = \(state.endedAt),
                stripe_customer_id = \(state.customer), stripe_subscription_id = \(state.id), stripe_price_id = \(state.priceID),
                scheduled_tier_id = CASE WHEN \(scheduleKept) THEN s.scheduled_tier_id END,
                scheduled_billing_period = CASE WHEN \(scheduleKept) THEN s.scheduled_billing_period END,
                stripe_schedule_id = \(state.schedule), stripe_synced_at = greatest(s.stripe_synced_at, coalesce(\(of)::timestamptz, now())), updated_at = now()
            WHERE s.workspace_id = \(workspace) AND (\(of)::timestamptz IS NULL OR s.stripe_synced_at IS NULL OR s.stripe_synced_at <= \(of))
            RETURNING s.workspace_id
            """, logger: logger) == 1
    }
}

/// A Stripe subscription object, as the pinned API version shapes it.
struct StripeSubscriptionState: Sendable {
    let id: String
    let customer: String
    let status: SubscriptionState
    let priceID: String?
    /// The subscription item whose price a plan change replaces.
    let itemID: String?
    /// The subscription schedule holding a downgrade until the period's end.
    let schedule: String?
    let periodStart: Date
    let periodEnd: Date
    let trialStart: Date?
    let trialEnd: Date?
    let cancelAtPeriodEnd: Bool
    let canceledAt: Date?
    let endedAt: Date?
    /// Set by checkout (`subscription_data[metadata][workspace_id]`) and by `subscribe`.
    let workspaceID: UUID?

    init?(_ object: JSONValue) {
        guard object["object"]?.stringValue == "subscription", let id = object["id"]?.stringValue, let customer = object["customer"]?.stringValue,
              let start = Self.date(object["current_period_start"]), let end = Self.date(object["current_period_end"]), end > start
        else { return nil }
        (self.id, self.customer, periodStart, periodEnd) = (id, customer, start, end)
        status = switch object["status"]?.stringValue {
        case "trialing": .trialing
        case "active": .active
        case "past_due": .pastDue
        case "unpaid", "paused": .unpaid
        case "incomplete": .incomplete
        default: .canceled  // canceled, incomplete_expired
        }
        priceID = object["items"]?["data"]?[0]?["price"]?["id"]?.stringValue
        itemID = object["items"]?["data"]?[0]?["id"]?.stringValue
        schedule = object["schedule"]?.stringValue
        trialStart = Self.date(object["trial_start"])
        trialEnd = Self.date(object["trial_end"])
        cancelAtPeriodEnd = object["cancel_at_period_end"]?.boolValue ?? false
        canceledAt = Self.date(object["canceled_at"])
        endedAt = Self.date(object["ended_at"])
        workspaceID = object["metadata"]?["workspace_id"]?.stringValue.flatMap(UUID.init(uuidString:))
    }

    static func date(_ value: JSONValue?) -> Date? {
        value?.numberValue.map { Date(timeIntervalSince1970: $0) }
    }
}
