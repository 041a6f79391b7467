import Foundation
import PlatformCore

/// Paying through Stripe: checkout, the billing portal, setup intents and subscriptions, the public
/// pay link, and Stripe's webhooks. Self-hosted (no `STRIPE_SECRET_KEY`), checkout changes the plan
/// through the platform's ledger and the rest answers 409 `payment_provider_not_configured`.
struct CheckoutController {
    let billing: StripeBilling
    let users: UserRepository
    let trial: Trial

    static let stripeErrors = [
        ErrorCase(StripeBilling.notConfigured), ErrorCase(StripeBilling.priceNotConfigured), ErrorCase(StripeClient.unreachable),
        ErrorCase(StripeClient.failure(402, ["type": "card_error", "message": "Your card was declined."])),
    ]

    static let portal = Endpoint(
        .get, "/api/v1/billing/customer-portal", "Stripe's billing portal, or a checkout page when there is no subscription yet (workspace admins)",
        query: PortalQuery.self, returns: PortalSession.self, errors: stripeErrors)
    static let checkout = Endpoint(
        .post, "/api/v1/billing/checkout", "A Stripe Checkout session for a subscription, with what is left of the trial (workspace admins)",
        body: CheckoutRequest.self, returns: CheckoutSession.self, errors: stripeErrors + [ErrorCase(Subscriptions.samePlan), .validation])
    static let oneTime = Endpoint(
        .post, "/api/v1/billing/checkout/one-time", "A Stripe Checkout session for a one-time purchase of a tier for its duration (workspace admins)",
        body: CheckoutRequest.self, returns: CheckoutSession.self, errors: stripeErrors + [ErrorCase(Subscriptions.samePlan), .validation])
    static let setupIntent = Endpoint(
        .post, "/api/v1/billing/setup-intent", "A SetupIntent for a Stripe Elements form; then POST /billing/subscription (workspace admins)",
        returns: SetupIntent.self, errors: stripeErrors)
    static let publicSetupIntent = Endpoint(
        .post, "/api/v1/billing/public/setup-intent", "A SetupIntent for the signup page, before an account exists", returns: SetupIntent.self,
        errors: stripeErrors)
    static let subscribe = Endpoint(
        .post, "/api/v1/billing/subscription", "Subscribe with the payment method a SetupIntent confirmed, with what is left of the trial (workspace admins)",
        body: SubscriptionRequest.self, returns: SubscriptionView.self, errors: stripeErrors + [.validation])
    static let pay = Endpoint(
        .get, "/api/v1/billing/pay/{price}", "Redirect (302) to a Stripe Checkout page for a price; `ref` is kept as `affiliate_code`, `days` of trial (0: none)",
        query: PayQuery.self, returns: Redirect.self, status: .found, errors: stripeErrors + [ErrorCase(StripeBilling.invalidDays), ErrorCase(StripeBilling.unknownPrice)])
    static let webhook = Endpoint(
        .post, "/api/v1/billing/webhooks/stripe", "Stripe's events, verified by Stripe-Signature; each acted on once, an older never over a newer",
        body: StripeEventBody.self, returns: StripeEventReceipt.self, errors: [ErrorCase(StripeBilling.notConfigured)])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.portal, .admin) { input, context in
            try await billing.portal(context.workspaceID, input.query, email: try await users.email(of: context.principal, logger: context.logger), actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.checkout, .admin) { input, context in
            try await billing.checkout(
                context.workspaceID, input.body, oneTime: false, email: try await users.email(of: context.principal, logger: context.logger), actor: context.principal.actingUserID,
                logger: context.logger)
        }
        routes.workspace(Self.oneTime, .admin) { input, context in
            try await billing.checkout(
                context.workspaceID, input.body, oneTime: true, email: try await users.email(of: context.principal, logger: context.logger), actor: context.principal.actingUserID,
                logger: context.logger)
        }
        routes.workspace(Self.setupIntent, .admin) { _, context in
            try await billing.setupIntent(context.workspaceID, email: try await users.email(of: context.principal, logger: context.logger), logger: context.logger)
        }
        routes.open(Self.publicSetupIntent) { _, context in try await billing.setupIntent(nil, email: nil, logger: context.logger) }
        routes.workspace(Self.subscribe, .admin) { input, context in
            try await billing.subscribe(context.workspaceID, input.body, email: try await users.email(of: context.principal, logger: context.logger), logger: context.logger)
        }
        routes.open(Self.pay) { input, context in
            if let days = input.query.days, !(0...365).contains(days) { throw StripeBilling.invalidDays }
            return Redirect(to: try await billing.payLink(input.parameter("price"), input.query, trialDays: trial.days, logger: context.logger))
        }
        routes.open(Self.webhook) { input, context in
            try await billing.receive(input.body, signature: input.request.headers[.init(StripeSignature.header)!], logger: context.logger)
        }
    }
}
