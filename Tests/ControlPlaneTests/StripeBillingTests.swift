@_spi(TenantProvisioning) import PlatformCore
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PlatformTesting
import PostgresNIO
import Testing

@testable import ControlPlane

/// Stripe over its real wire format against a local server that speaks it, and Stripe's webhooks
/// verified as Stripe documents them.
@Suite struct StripeBillingTests {
    static let logger = Logger(label: "stripe-test")
    static let webhookSecret = "whsec_test_secret"

    // MARK: Signatures

    /// A vector computed outside Swift (Python's hmac): HMAC-SHA256("1700000000." + payload) under the secret.
    @Test func signaturesFollowStripesSchemeWithAFixedVector() throws {
        let payload = Array(#"{"id":"evt_test_webhook","object":"event"}"#.utf8)
        let expected = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990"
        let signer = SignatureHeader(secret: Self.webhookSecret)
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(signer.sign(payload, at: at) == "t=1700000000,v1=\(expected)")
        try signer.verify("t=1700000000,v1=\(expected)", body: payload, now: at.addingTimeInterval(299))
        // Any v1 may match (a rolled secret), v0 is ignored, order does not matter.
        try signer.verify("t=1700000000,v0=abcd,v1=\(String(repeating: "0", count: 64)),v1=\(expected)", body: payload, now: at)
        #expect(throws: SignatureHeader.Failure.mismatch) { try signer.verify("t=1700000000,v1=\(String(repeating: "0", count: 64))", body: payload, now: at) }
        #expect(throws: SignatureHeader.Failure.mismatch) { try signer.verify("t=1700000001,v1=\(expected)", body: payload, now: at) }
        #expect(throws: SignatureHeader.Failure.mismatch) { try signer.verify("t=1700000000,v1=\(expected)", body: payload + [0x20], now: at) }
        #expect(throws: SignatureHeader.Failure.stale) { try signer.verify("t=1700000000,v1=\(expected)", body: payload, now: at.addingTimeInterval(301)) }
        #expect(throws: SignatureHeader.Failure.malformed) { try signer.verify("v1=\(expected)", body: payload, now: at) }
        #expect(throws: SignatureHeader.Failure.malformed) { try signer.verify(nil, body: payload, now: at) }
    }

    // MARK: Webhooks

    static func event(_ id: String, _ type: String, created: Int, object: JSONValue) throws -> String {
        let event: JSONValue = ["id": .string(id), "object": "event", "type": .string(type), "created": .number(Double(created)), "data": ["object": object]]
        return String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
    }

    static func subscription(_ workspace: UUID, status: String, start: Int, price: String = "price_pro_month") -> JSONValue {
        [
            "id": "sub_test_1", "object": "subscription", "customer": "cus_test_1", "status": .string(status),
            "current_period_start": .number(Double(start)), "current_period_end": .number(Double(start + 30 * 86_400)),
            "cancel_at_period_end": false, "metadata": ["workspace_id": .string(workspace.uuidString.lowercased())],
            "items": ["object": "list", "data": [["id": "si_1", "price": ["id": .string(price), "recurring": ["interval": "month"]]]]],
        ]
    }

    /// Signed as Stripe signs: computed here with CryptoKit, not with the code under test.
    static func deliver(_ body: String, _ client: some TestClientProtocol, secret: String = webhookSecret, at time: Date = Date()) async throws -> JSONResponse {
        let timestamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return try await client.request(
            .post, "/api/v1/billing/webhooks/stripe", raw: body,
            headers: [.contentType: "application/json", HTTPField.Name("Stripe-Signature")!: "t=\(timestamp),v1=\(hex)"])
    }

    static func configure(_ config: inout PlatformConfig, stub: StubHTTPServer?) {
        config.stripe = StripeSettings(secretKey: "sk_test_platform", webhookSecret: webhookSecret, publishableKey: "pk_test_platform", apiBase: stub?.baseURL ?? "http://127.0.0.1:1")
    }

    static func setPrices(_ platform: TestPlatform) async throws {
        _ = try await platform.withDatabase { db in
            try await db.query("""
                UPDATE control.billing_tiers SET stripe_monthly_price = 'price_' || id || '_month', stripe_yearly_price = 'price_' || id || '_year',
                    stripe_one_time_price = 'price_' || id || '_once'
                """, logger: Self.logger)
        }
    }

    @Test func webhooksAreVerifiedAppliedOnceAndNeverOverwriteANewerState() async throws {
        // Stripe knows no subscription here: showing one falls back to what the webhooks mirrored.
        let stub = try await StubHTTPServer.start { _, _ in .json(#"{"error": {"type": "invalid_request_error", "message": "No such subscription"}}"#, status: 404) }
        defer { Task { try? await stub.shutdown() } }
        try await TestPlatform.run(configure: { Self.configure(&$0, stub: stub) }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await Self.setPrices(platform)
            let ws = alice.workspaceID
            let t0 = Int(Date().timeIntervalSince1970) - 1000
            let active = try Self.event("evt_2", "customer.subscription.updated", created: t0 + 20, object: Self.subscription(ws, status: "active", start: t0))

            let forged = try await Self.deliver(active, client, secret: "whsec_someone_else")
            #expect(forged.status == .badRequest && forged.errorCode == "invalid_signature")
            let stale = try await Self.deliver(active, client, at: Date().addingTimeInterval(-400))
            #expect(stale.status == .badRequest && stale.errorCode == "stale_signature")
            let unchanged = try await client.request(.get, "/api/v1/billing/subscription", headers: alice.headers())
            #expect(unchanged.json["status"] == "trialing", "a refused event changes nothing")

            #expect(try await Self.deliver(active, client).json["outcome"] == "applied")
            let mirrored = try await client.request(.get, "/api/v1/billing/subscription", headers: alice.headers())
            #expect(mirrored.json["status"] == "active" && mirrored.json["tier"] == "pro")
            #expect(mirrored.json["current_period_start"]?.stringValue == ISO8601.string(Date(timeIntervalSince1970: Double(t0))))
            #expect(try await Self.deliver(active, client).json["outcome"] == "duplicate")

            // Delivered late, an older state loses to the newer one.
            let older = try Self.event("evt_1", "customer.subscription.updated", created: t0 + 10, object: Self.subscription(ws, status: "past_due", start: t0))
            #expect(try await Self.deliver(older, client).json["outcome"] == "stale")
            #expect(try await client.request(.get, "/api/v1/billing/subscription", headers: alice.headers()).json["status"] == "active")

            let failed = try Self.event("evt_3", "invoice.payment_failed", created: t0 + 30, object: ["object": "invoice", "subscription": "sub_test_1"])
            #expect(try await Self.deliver(failed, client).json["outcome"] == "applied")
            let status = try await client.request(.get, "/api/v1/billing/subscription/status", headers: alice.headers())
            #expect(status.json["status"] == "past_due" && status.json["requires_payment"] == true && status.json["is_active"] == true)
            let paid = try Self.event("evt_4", "invoice.paid", created: t0 + 40, object: ["object": "invoice", "subscription": "sub_test_1"])
            #expect(try await Self.deliver(paid, client).json["outcome"] == "applied")

            // An upgrade in Stripe moves the tier (by its price); the same second's events race, one at a time.
            let upgraded = try Self.event("evt_5", "customer.subscription.updated", created: t0 + 50, object: Self.subscription(ws, status: "active", start: t0, price: "price_business_month"))
            let answers = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for _ in 0..<5 { group.addTask { try await Self.deliver(upgraded, client) } }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.json["outcome"] == "applied" }.count == 1)
            #expect(answers.filter { $0.json["outcome"] == "duplicate" }.count == 4)
            #expect(try await client.request(.get, "/api/v1/billing/limits", headers: alice.headers()).json["tier"] == "business")

            let deleted = try Self.event("evt_6", "customer.subscription.deleted", created: t0 + 60, object: Self.subscription(ws, status: "canceled", start: t0))
            #expect(try await Self.deliver(deleted, client).json["outcome"] == "applied")
            #expect(try await client.request(.get, "/api/v1/billing/limits", headers: alice.headers()).json["tier"] == "free")
            let other = try Self.event("evt_7", "customer.created", created: t0 + 70, object: ["object": "customer", "id": "cus_x"])
            #expect(try await Self.deliver(other, client).json["outcome"] == "ignored")
            let notAnEvent = try await Self.deliver(#"["not", "an", "event"]"#, client)
            #expect(notAnEvent.status == .badRequest && notAnEvent.errorCode == "invalid_event")
            let recorded = try await platform.withDatabase { db in
                try await db.query("SELECT count(*)::int FROM control.stripe_events", logger: Self.logger).decode(Int.self).first { _ in true }
            }
            #expect(recorded == 7)
        }
    }

    // MARK: Checkout and friends

    @Test func checkoutPortalSetupIntentsAndThePayLinkSpeakStripesWireFormat() async throws {
        let stub = try await StubHTTPServer.start { _, request in
            let path = request.uri.split(separator: "?").first.map(String.init) ?? request.uri
            switch (request.method, path) {
            case ("POST", "/v1/customers"): return .json(#"{"id": "cus_test_1", "object": "customer"}"#)
            case ("POST", "/v1/checkout/sessions"): return .json(#"{"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_1"}"#)
            case ("POST", "/v1/setup_intents"): return .json(#"{"id": "seti_1", "object": "setup_intent", "client_secret": "seti_1_secret_x"}"#)
            case ("GET", "/v1/prices/price_affiliate"): return .json(#"{"id": "price_affiliate", "object": "price", "type": "recurring"}"#)
            case ("GET", "/v1/subscriptions/sub_live_1"):
                return .json(#"""
                    {"id": "sub_live_1", "object": "subscription", "customer": "cus_test_1", "status": "past_due", "cancel_at_period_end": true,
                     "current_period_start": 1790000000, "current_period_end": 1792592000, "metadata": {},
                     "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": "price_business_month"}}]}}
                    """#)
            case ("POST", "/v1/payment_methods/pm_card_declined/attach"):
                return .json(#"{"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}"#, status: 402)
            default: return .json(#"{"error": {"type": "invalid_request_error", "message": "No such route"}}"#, status: 404)
            }
        }
        defer { Task { try? await stub.shutdown() } }
        try await TestPlatform.run(configure: { Self.configure(&$0, stub: stub) }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await Self.setPrices(platform)
            let ws = alice.workspaceID.uuidString.lowercased()

            let session = try await client.request(.post, "/api/v1/billing/checkout", json: ["tier": "business"], headers: alice.headers())
            #expect(session.status == .ok && session.json["url"] == "https://checkout.stripe.com/c/pay/cs_test_1" && session.json["provider"] == "stripe")
            let customer = try #require(stub.requests.first { $0.uri == "/v1/customers" })
            #expect(customer.headers["authorization"] == "Bearer sk_test_platform" && customer.headers["stripe-version"] == StripeClient.apiVersion)
            #expect(customer.headers["idempotency-key"] == "customer:\(ws)")
            #expect(customer.headers["content-type"] == "application/x-www-form-urlencoded")
            let form = try #require(stub.requests.last { $0.uri == "/v1/checkout/sessions" }).form
            #expect(form["mode"] == "subscription" && form["line_items[0][price]"] == "price_business_month" && form["customer"] == "cus_test_1")
            #expect(form["subscription_data[trial_period_days]"] == "3" && form["subscription_data[metadata][workspace_id]"] == ws)
            #expect(form["success_url"]?.hasSuffix("session_id={CHECKOUT_SESSION_ID}") == true)
            #expect(stub.requests.last { $0.uri == "/v1/checkout/sessions" }?.headers["idempotency-key"] != nil)

            _ = try await client.request(.post, "/api/v1/billing/checkout/one-time", json: ["tier": "pro"], headers: alice.headers())
            #expect(stub.requests.filter { $0.uri == "/v1/customers" }.count == 1, "the customer is made once")
            let once = try #require(stub.requests.last { $0.uri == "/v1/checkout/sessions" }).form
            #expect(once["mode"] == "payment" && once["line_items[0][price]"] == "price_pro_once" && once["payment_method_types[1]"] == "sepa_debit")
            #expect(once["metadata[duration_months]"] == "12")

            let portal = try await client.request(.get, "/api/v1/billing/customer-portal?return_url=https://app.example.com/b", headers: alice.headers())
            #expect(portal.json["kind"] == "checkout", "no Stripe subscription yet: a checkout page")

            let intent = try await client.request(.post, "/api/v1/billing/public/setup-intent")
            #expect(intent.json["client_secret"] == "seti_1_secret_x" && intent.json["publishable_key"] == "pk_test_platform")
            #expect(stub.requests.last { $0.uri == "/v1/setup_intents" }?.form["customer"] == nil)

            let declined = try await client.request(
                .post, "/api/v1/billing/subscription", json: ["payment_method_id": "pm_card_declined", "tier": "pro"], headers: alice.headers())
            #expect(declined.status.code == 402 && declined.errorCode == "payment_failed")
            #expect(declined.json["error"]?["details"]?["code"] == "card_declined")

            let pay = try await client.request(.get, "/api/v1/billing/pay/price_affiliate?ref=aff-42&days=0")
            #expect(pay.status == .found && pay.headers[.location] == "https://checkout.stripe.com/c/pay/cs_test_1")
            let affiliate = try #require(stub.requests.last { $0.uri == "/v1/checkout/sessions" }).form
            #expect(affiliate["metadata[affiliate_code]"] == "aff-42" && affiliate["subscription_data[trial_period_days]"] == nil)
            #expect(try await client.request(.get, "/api/v1/billing/pay/price_affiliate?days=400").status == .unprocessableContent)
            let before = stub.requests.count
            #expect(try await client.request(.get, "/api/v1/billing/pay/..%2Fcustomers").status == .notFound)
            #expect(stub.requests.count == before, "an id that is not one never reaches Stripe")
            let traversal = try await client.request(
                .post, "/api/v1/billing/subscription", json: ["payment_method_id": "pm_x/../../customers", "tier": "pro"], headers: alice.headers())
            #expect(traversal.status == .unprocessableContent)

            let bob = try await platform.account(.bob, via: client)
            try await platform.addMember(bob, to: alice.workspaceID, role: .member)
            #expect(try await client.request(.post, "/api/v1/billing/checkout", json: ["tier": "pro"], headers: bob.headers(workspace: alice.workspaceID)).status == .forbidden)

            // A missed webhook costs nothing: showing the subscription reads Stripe's live state first.
            _ = try await platform.withDatabase { db in
                try await db.query("UPDATE control.subscriptions SET stripe_subscription_id = 'sub_live_1' WHERE workspace_id = \(alice.workspaceID)", logger: Self.logger)
            }
            let live = try await client.request(.get, "/api/v1/billing/subscription", headers: alice.headers())
            #expect(live.json["status"] == "past_due" && live.json["tier"] == "business" && live.json["cancel_at_period_end"] == true)
            #expect(stub.requests.contains { $0.method == "GET" && $0.uri == "/v1/subscriptions/sub_live_1" })
        }
    }

    @Test func withoutStripeCheckoutChangesThePlanAndTheRestSaysSo() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let checkout = try await client.request(.post, "/api/v1/billing/checkout", json: ["tier": "business"], headers: alice.headers())
            #expect(checkout.status == .ok && checkout.json["provider"] == "self_hosted" && (checkout.json["url"] ?? .null) == .null)
            #expect(checkout.json["subscription"]?["tier"] == "business")
            let portal = try await client.request(.get, "/api/v1/billing/customer-portal", headers: alice.headers())
            #expect(portal.status == .ok && portal.json["provider"] == "self_hosted")
            for (method, path) in [(HTTPRequest.Method.post, "/api/v1/billing/setup-intent"), (.post, "/api/v1/billing/public/setup-intent"), (.get, "/api/v1/billing/pay/price_x")] {
                let answer = try await client.request(method, path, headers: alice.headers())
                #expect(answer.status == .conflict && answer.errorCode == "payment_provider_not_configured", "\(path)")
            }
            let webhook = try await Self.deliver(try Self.event("evt_1", "invoice.paid", created: 1, object: ["object": "invoice"]), client)
            #expect(webhook.status == .conflict && webhook.errorCode == "payment_provider_not_configured")
        }
    }
}

/// Plan changes, cancel, reactivate, the trial's end and invoices for a workspace whose subscription
/// lives in Stripe, against a small Stripe that keeps state.
@Suite struct StripeSubscriptionTests {
    @Test func everyChangeGoesThroughStripeAndItsAnswerIsMirrored() async throws {
        let stripe = try await FakeStripe.start()
        defer { Task { try? await stripe.shutdown() } }
        try await TestPlatform.run(configure: { StripeBillingTests.configure(&$0, stub: stripe.server) }) { client, platform in
            let alice = try await platform.account(.alice, via: client)
            try await StripeBillingTests.setPrices(platform)
            let headers = alice.headers()
            func subscription() async throws -> JSONValue { try await client.request(.get, "/api/v1/billing/subscription", headers: headers).json }
            func lastForm(_ path: String) -> [String: String] { stripe.requests.last { $0.uri.hasPrefix(path) }?.form ?? [:] }

            let subscribed = try await client.request(
                .post, "/api/v1/billing/subscription", json: ["payment_method_id": "pm_card_visa", "tier": "pro"], headers: headers)
            #expect(subscribed.status == .ok && subscribed.json["provider"] == "stripe" && subscribed.json["status"] == "trialing")
            let id = try #require(try await platform.withDatabase { db in
                try await db.query("SELECT stripe_subscription_id FROM control.subscriptions WHERE workspace_id = \(alice.workspaceID)", logger: StripeBillingTests.logger)
                    .decode(String?.self).first { _ in true } ?? nil
            })

            // Up in a trial: no proration, the trial goes on.
            let up = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "business"], headers: headers)
            #expect(up.status == .ok && up.json["is_scheduled"] == false && up.json["proration_amount"] == 0)
            #expect(up.json["subscription"]?["tier"] == "business" && up.json["subscription"]?["status"] == "trialing")
            #expect(lastForm("/v1/subscriptions/\(id)")["proration_behavior"] == "none")
            #expect(stripe.subscription(id)?["items"]?["data"]?[0]?["price"]?["id"] == "price_business_month")

            let ended = try await client.request(.post, "/api/v1/billing/end-trial", headers: headers)
            #expect(ended.status == .ok && ended.json["status"] == "active" && (ended.json["trial_days_remaining"] ?? .null) == .null)
            #expect(lastForm("/v1/subscriptions/\(id)")["trial_end"] == "now")
            let invoices = try await client.request(.get, "/api/v1/billing/invoices", headers: headers)
            #expect(invoices.json["total"] == 2 && invoices.json["items"]?[0]?["amount_paid"] == 19900)
            #expect(invoices.json["items"]?[0]?["hosted_invoice_url"]?.stringValue?.hasPrefix("https://invoice.stripe.com/") == true)
            #expect(lastForm("/v1/invoices")["customer"] != nil)

            // Down: a schedule holds it to the period's end; the mirror keeps showing it across syncs.
            let down = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "pro"], headers: headers)
            #expect(down.status == .ok && down.json["is_scheduled"] == true && down.json["subscription"]?["tier"] == "business")
            #expect(down.json["effective_date"] == ended.json["current_period_end"])
            let phases = lastForm("/v1/subscription_schedules/")
            #expect(phases["phases[1][items][0][price]"] == "price_pro_month" && phases["end_behavior"] == "release")
            #expect(try await subscription()["scheduled_change"]?["tier"] == "pro")
            let upcoming = try await client.request(.get, "/api/v1/billing/invoices/upcoming", headers: headers)
            #expect(upcoming.json["amount_due"] == 4900 && upcoming.json["tier"] == "pro" && upcoming.json["period_start"] == ended.json["current_period_end"])

            let kept = try await client.request(.post, "/api/v1/billing/cancel-downgrade", headers: headers)
            #expect(kept.status == .ok && (kept.json["scheduled_change"] ?? .null) == .null && kept.json["tier"] == "business")
            #expect(stripe.subscription(id)?["schedule"] == .null)
            #expect(try await client.request(.post, "/api/v1/billing/cancel-downgrade", headers: headers).errorCode == "no_scheduled_change")

            // Scheduled again, and the period ends in Stripe: the webhook brings the new plan.
            #expect(try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "pro"], headers: headers).json["is_scheduled"] == true)
            let renewed = try #require(stripe.endPeriod(id))
            let event = try StripeBillingTests.event("evt_renewed", "customer.subscription.updated", created: Int(Date().timeIntervalSince1970) + 5, object: renewed)
            #expect(try await StripeBillingTests.deliver(event, client).json["outcome"] == "applied")
            let after = try await client.request(.get, "/api/v1/billing/subscription/status", headers: headers)
            #expect(after.json["tier"] == "pro")
            #expect((try await subscription()["scheduled_change"] ?? .null) == .null)

            // Up after the trial: the rest of the period is invoiced at once.
            let charged = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "business"], headers: headers)
            #expect(charged.json["is_scheduled"] == false && (charged.json["proration_amount"]?.intValue ?? 0) > 0)
            #expect(lastForm("/v1/subscriptions/\(id)")["proration_behavior"] == "always_invoice")
            #expect(try await client.request(.get, "/api/v1/billing/invoices", headers: headers).json["items"]?[0]?["amount_paid"] == charged.json["proration_amount"])

            // The platform's clock leaves a Stripe subscription to Stripe.
            let periodEnd = { @Sendable in
                try await platform.withDatabase { db in
                    try await db.query("SELECT current_period_end FROM control.subscriptions WHERE workspace_id = \(alice.workspaceID)", logger: StripeBillingTests.logger)
                        .decode(Date.self).first { _ in true }
                }
            }
            let before = try await periodEnd()
            _ = try await platform.withDatabase { db in
                try await Subscriptions(client: db).advance(to: Date().addingTimeInterval(400 * 86_400), logger: StripeBillingTests.logger)
            }
            #expect(try await periodEnd() == before)

            let canceled = try await client.request(.post, "/api/v1/billing/cancel", headers: headers)
            #expect(canceled.json["cancel_at_period_end"] == true && canceled.json["status"] == "active")
            #expect(stripe.subscription(id)?["cancel_at_period_end"] == true)
            #expect(try await client.request(.get, "/api/v1/billing/invoices/upcoming", headers: headers).errorCode == "no_upcoming_invoice")
            let reactivated = try await client.request(.post, "/api/v1/billing/reactivate", headers: headers)
            #expect(reactivated.json["cancel_at_period_end"] == false && stripe.subscription(id)?["cancel_at_period_end"] == false)

            let now = try await client.request(.post, "/api/v1/billing/cancel?cancel_immediately=true", headers: headers)
            #expect(now.json["status"] == "canceled" && stripe.subscription(id)?["status"] == "canceled")
            #expect(stripe.requests.contains { $0.method == "DELETE" && $0.uri == "/v1/subscriptions/\(id)" })
            // Ended in Stripe: a new plan starts with paying.
            let again = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "pro"], headers: headers)
            #expect(again.status == .ok && again.json["checkout_url"]?.stringValue?.hasPrefix("https://checkout.stripe.com/") == true)

            // A workspace with no Stripe subscription yet, with Stripe configured: pay first, nothing changes here.
            let bob = try await platform.account(.bob, via: client)
            let bobBefore = try await client.request(.get, "/api/v1/billing/subscription/status", headers: bob.headers()).json
            let checkout = try await client.request(.post, "/api/v1/billing/change-plan", json: ["tier": "business"], headers: bob.headers())
            #expect(checkout.json["checkout_url"] != nil && checkout.json["subscription"]?["tier"] == "pro")
            #expect(checkout.json["subscription"]?["status"] == bobBefore["status"])
            #expect(try await client.request(.get, "/api/v1/billing/invoices", headers: bob.headers()).json["total"] == 0)
        }
    }
}
