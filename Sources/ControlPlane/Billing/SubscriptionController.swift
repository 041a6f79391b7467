import Foundation
import PlatformCore

/// `/billing/subscription`, plan changes, cancel and reactivate, the trial, and invoices.
struct SubscriptionController {
    let subscriptions: Subscriptions
    let billing: StripeBilling
    let users: UserRepository

    static let notFound = ErrorCase(Subscriptions.notFound)
    /// With a Stripe subscription, each change is Stripe's to make.
    static let stripeErrors = [
        ErrorCase(StripeClient.unreachable), ErrorCase(StripeClient.failure(402, ["type": "card_error", "message": "Your card was declined."])),
    ]

    static let show = Endpoint(
        .get, "/api/v1/billing/subscription",
        "The workspace's subscription: tier, status, billing period, trial and any scheduled change (with Stripe, synced from it first)",
        returns: SubscriptionView.self, errors: [notFound])
    static let status = Endpoint(
        .get, "/api/v1/billing/subscription/status", "A quick access check from local data: is_active, requires_payment and a message",
        returns: SubscriptionStatus.self)
    static let changePlan = Endpoint(
        .post, "/api/v1/billing/change-plan",
        "Upgrade now (the rest of the period charged at the difference) or downgrade at the period's end (`is_scheduled`, `effective_date`); with Stripe and no Stripe subscription yet, `checkout_url` to pay first (workspace admins)",
        body: PlanChangeRequest.self, returns: PlanChange.self, errors: [notFound, ErrorCase(Subscriptions.samePlan), .validation] + stripeErrors)
    static let cancelDowngrade = Endpoint(
        .post, "/api/v1/billing/cancel-downgrade", "Keep the current plan: drop the scheduled downgrade (workspace admins)",
        returns: SubscriptionView.self, errors: [notFound, ErrorCase(Subscriptions.noScheduledChange)] + stripeErrors)
    static let cancel = Endpoint(
        .post, "/api/v1/billing/cancel", "Cancel at the period's end (access until then), or now with `cancel_immediately=true` (workspace admins)",
        query: CancelQuery.self, returns: SubscriptionView.self, errors: [notFound, ErrorCase(Subscriptions.ended)] + stripeErrors)
    static let reactivate = Endpoint(
        .post, "/api/v1/billing/reactivate", "Undo a cancel at the period's end, before it ends (workspace admins)",
        returns: SubscriptionView.self, errors: [notFound, ErrorCase(Subscriptions.notReactivatable)] + stripeErrors)
    static let endTrial = Endpoint(
        .post, "/api/v1/billing/end-trial", "End the trial now and start the first paid period (workspace admins)",
        returns: SubscriptionView.self, errors: [notFound, ErrorCase(Subscriptions.notTrialing)] + stripeErrors)
    static let invoices = Endpoint(
        .get, "/api/v1/billing/invoices", "Past invoices, newest first: Stripe's, or (self-hosted) computed from the subscription's ledger",
        query: Page.self, returns: InvoiceList.self, errors: stripeErrors)
    static let upcoming = Endpoint(
        .get, "/api/v1/billing/invoices/upcoming", "The next period's charge and when it falls (Stripe's preview when the subscription is in Stripe)", returns: UpcomingInvoice.self,
        errors: [notFound, ErrorCase(Subscriptions.noUpcomingInvoice)] + stripeErrors)

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.show, .member) { _, context in
            try await billing.sync(context.workspaceID, logger: context.logger)
            return try await subscriptions.view(context.workspaceID, logger: context.logger)
        }
        routes.workspace(Self.status, .member) { _, context in
            SubscriptionStatus(try await subscriptions.find(context.workspaceID, logger: context.logger))
        }
        routes.workspace(Self.changePlan, .admin) { input, context in
            try await billing.changePlan(
                context.workspaceID, input.body, email: try await users.email(of: context.principal, logger: context.logger),
                actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.cancelDowngrade, .admin) { _, context in
            try await billing.cancelDowngrade(context.workspaceID, actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.cancel, .admin) { input, context in
            try await billing.cancel(
                context.workspaceID, immediately: input.query.cancelImmediately ?? false, actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.reactivate, .admin) { _, context in
            try await billing.reactivate(context.workspaceID, actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.endTrial, .admin) { _, context in
            try await billing.endTrial(context.workspaceID, actor: context.principal.actingUserID, logger: context.logger)
        }
        routes.workspace(Self.invoices, .member) { input, context in
            try await billing.invoices(context.workspaceID, page: input.query, logger: context.logger)
        }
        routes.workspace(Self.upcoming, .member) { _, context in try await billing.upcoming(context.workspaceID, logger: context.logger) }
    }
}
