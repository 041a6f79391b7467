import Foundation
import Logging
import PlatformCore

/// Invoices: Stripe's for a workspace with a Stripe customer, the ledger's otherwise.
extension StripeBilling {
    /// Stripe lists newest first with cursors; a page at an offset reads up to 100 and slices.
    func invoices(_ workspace: UUID, page: Page, logger: Logger) async throws -> InvoiceList {
        guard let stripe, let customer = try await subscriptions.find(workspace, logger: logger)?.stripeCustomer, StripeClient.isID(customer) else {
            return try await subscriptions.invoices(workspace, page: page, logger: logger)
        }
        let window = min(page.offset + page.limit, 100)
        let list = try await stripe.retrieve(
            "invoices", [("customer", customer), ("limit", "\(max(window, 1))"), ("include[]", "total_count")], logger: logger)
        let all = (list["data"]?.arrayValue ?? []).compactMap { Invoice(stripe: $0) }
        let items = Array(all.dropFirst(page.offset).prefix(page.limit))
        let total = list["total_count"]?.numberValue.map(Int.init) ?? all.count + (list["has_more"]?.boolValue == true ? 1 : 0)
        return InvoiceList(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Stripe's preview of the subscription's next invoice (it has none when the subscription ends).
    func upcoming(_ workspace: UUID, logger: Logger) async throws -> UpcomingInvoice {
        guard let stripe, let current = try await subscriptions.find(workspace, logger: logger), let customer = current.stripeCustomer,
              let subscription = current.stripeSubscription, StripeClient.isID(customer), StripeClient.isID(subscription)
        else { return try await subscriptions.upcoming(workspace, logger: logger) }
        let preview: JSONValue
        do {
            preview = try await stripe.retrieve("invoices/upcoming", [("customer", customer), ("subscription", subscription)], logger: logger)
        } catch let error as AppError where error.details?["code"] == "invoice_upcoming_none" {
            throw Subscriptions.noUpcomingInvoice
        }
        guard let invoice = Invoice(stripe: preview) else { throw StripeClient.failure(200, nil) }
        let attempt = StripeSubscriptionState.date(preview["next_payment_attempt"]) ?? invoice.periodStart ?? current.periodEnd
        return UpcomingInvoice(
            amountDue: invoice.amountDue, currency: invoice.currency, tier: current.scheduledTier ?? current.tier,
            billingPeriod: current.scheduledPeriod ?? current.billingPeriod, periodStart: invoice.periodStart ?? current.periodEnd,
            periodEnd: invoice.periodEnd ?? current.periodEnd, nextPaymentAttempt: attempt, description: invoice.description)
    }
}
