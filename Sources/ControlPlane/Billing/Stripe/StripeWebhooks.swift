import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// `POST /billing/webhooks/stripe`: verified, acted on once per event id, and never letting an
/// older event overwrite a newer state (each carries Stripe's `created`; the subscription keeps the
/// newest it applied).
extension StripeBilling {
    func receive(_ body: StripeEventBody, signature: String?, now: Date = Date(), logger: Logger) async throws -> StripeEventReceipt {
        guard let secret = settings?.webhookSecret else { throw Self.notConfigured }
        try StripeSignature(secret: secret).verify(signature, payload: body.raw, now: now)
        guard let event = try? JSONParser.parse(body.raw), let id = event["id"]?.stringValue, let type = event["type"]?.stringValue,
              let created = StripeSubscriptionState.date(event["created"]), let object = event["data"]?["object"], object.objectValue != nil
        else { throw Self.invalidEvent }
        var logger = logger
        logger[metadataKey: "stripe_event"] = "\(id)"
        return try await client.transaction(logger: logger) { connection in
            // A second delivery waits here for the first to commit, then finds its id taken.
            guard try await connection.execute("""
                INSERT INTO control.stripe_events (id, type, created, outcome) VALUES (\(id), \(type), \(created), 'pending')
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger) == 1
            else { return StripeEventReceipt(received: true, outcome: "duplicate") }
            let (outcome, workspace) = try await apply(type, object, created: created, on: connection, logger: logger)
            try await connection.execute("""
                UPDATE control.stripe_events SET outcome = \(outcome), workspace_id = \(workspace) WHERE id = \(id)
                """, logger: logger)
            logger.info("stripe event", metadata: ["type": "\(type)", "outcome": "\(outcome)"])
            return StripeEventReceipt(received: true, outcome: outcome)
        }
    }

    private func apply(_ type: String, _ object: JSONValue, created: Date, on connection: PostgresConnection, logger: Logger) async throws
        -> (String, UUID?)
    {
        switch type {
        case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
            guard let state = StripeSubscriptionState(object) else { return ("ignored", nil) }
            guard let workspace = try await Self.workspace(state.workspaceID, subscription: state.id, customer: state.customer, on: connection, logger: logger)
            else { return ("ignored", nil) }
            return (try await Self.mirror(state, workspace: workspace, as: created, on: connection, logger: logger) ? "applied" : "stale", workspace)

        case "checkout.session.completed":
            let reference = (object["client_reference_id"]?.stringValue ?? object["metadata"]?["workspace_id"]?.stringValue).flatMap(UUID.init(uuidString:))
            guard let workspace = reference else {
                // Paid through the pay link, before any account: an invite to make one.
                return (try await invites.create(from: object, on: connection, logger: logger) == nil ? "ignored" : "invited", nil)
            }
            let customer = object["customer"]?.stringValue
            if object["mode"]?.stringValue == "payment" {
                // A one-time purchase: the tier for its duration, ending by itself.
                let tier = object["metadata"]?["tier"]?.stringValue ?? ""
                let months = Int(object["metadata"]?["duration_months"]?.stringValue ?? "") ?? 12
                let written = try await connection.execute("""
                    UPDATE control.subscriptions SET tier_id = t.id, status = 'active', current_period_start = \(created),
                        current_period_end = ((\(created)::timestamptz AT TIME ZONE 'UTC') + \(months) * interval '1 month') AT TIME ZONE 'UTC',
                        trial_start = NULL, trial_end = NULL, cancel_at_period_end = true, canceled_at = NULL, ended_at = NULL,
                        scheduled_tier_id = NULL, scheduled_billing_period = NULL,
                        stripe_customer_id = coalesce(\(customer), stripe_customer_id), stripe_synced_at = \(created), updated_at = now()
                    FROM control.billing_tiers t
                    WHERE t.id = \(tier) AND workspace_id = \(workspace) AND (stripe_synced_at IS NULL OR stripe_synced_at <= \(created))
                    RETURNING workspace_id
                    """, logger: logger)
                return (written == 1 ? "applied" : "stale", workspace)
            }
            let written = try await connection.execute("""
                UPDATE control.subscriptions SET stripe_customer_id = coalesce(\(customer), stripe_customer_id),
                    stripe_subscription_id = coalesce(\(object["subscription"]?.stringValue), stripe_subscription_id), updated_at = now()
                WHERE workspace_id = \(workspace) RETURNING workspace_id
                """, logger: logger)
            return (written == 1 ? "applied" : "ignored", workspace)

        case "invoice.paid", "invoice.payment_failed":
            guard let subscription = object["subscription"]?.stringValue,
                  let workspace = try await Self.workspace(nil, subscription: subscription, customer: nil, on: connection, logger: logger)
            else { return ("ignored", nil) }
            let paid = type == "invoice.paid"
            let written = try await connection.execute("""
                UPDATE control.subscriptions SET
                    status = CASE WHEN \(paid) AND status IN ('past_due', 'unpaid', 'incomplete') THEN 'active'
                                  WHEN NOT \(paid) AND status IN ('active', 'trialing') THEN 'past_due'
                                  ELSE status END,
                    stripe_synced_at = \(created), updated_at = now()
                WHERE workspace_id = \(workspace) AND (stripe_synced_at IS NULL OR stripe_synced_at <= \(created))
                RETURNING workspace_id
                """, logger: logger)
            return (written == 1 ? "applied" : "stale", workspace)

        default:
            return ("ignored", nil)
        }
    }

    /// The workspace a Stripe object belongs to: named in its metadata, or linked by its ids.
    private static func workspace(_ named: UUID?, subscription: String, customer: String?, on connection: PostgresConnection, logger: Logger)
        async throws -> UUID?
    {
        try await connection.value(UUID.self, """
            SELECT workspace_id FROM control.subscriptions
            WHERE workspace_id = \(named) OR stripe_subscription_id = \(subscription) OR (\(customer)::text IS NOT NULL AND stripe_customer_id = \(customer))
            ORDER BY (workspace_id = \(named)) DESC NULLS LAST, (stripe_subscription_id = \(subscription)) DESC NULLS LAST
            LIMIT 1
            """, logger: logger)
    }
}
