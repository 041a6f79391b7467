import Foundation
import NIOCore
import PlatformCore

/// A Stripe event as delivered: the raw bytes (the signature covers them exactly) and what they say.
struct StripeEventBody: RawRequestBody, APIModel {
    let raw: [UInt8]

    static let example = StripeEventBody(raw: Array(#"""
        {"id":"evt_1Q2w3E4r","object":"event","type":"invoice.paid","created":1790000000,"data":{"object":{"object":"invoice","subscription":"sub_1Q2w3E4r"}}}
        """#.utf8))

    static let mediaType = "application/json"
    static let maximumSize = 512 * 1024
    static let errors = [ErrorCase(StripeSignature.invalid), ErrorCase(StripeSignature.stale), ErrorCase(StripeBilling.invalidEvent)]
    static var schema: JSONSchema {
        .object(
            ["id": JSONSchema(types: [.string]), "type": JSONSchema(types: [.string]), "created": JSONSchema(types: [.integer]),
             "data": .object(["object": .object([:], additionalProperties: .bool(true))], additionalProperties: .bool(true))],
            required: ["id", "type", "created", "data"], additionalProperties: .bool(true))
    }

    init(raw: ByteBuffer, contentType: String?) throws {
        self.raw = Array(buffer: raw)
    }

    init(raw: [UInt8]) { self.raw = raw }

    func encode(to encoder: any Encoder) throws {
        try ((try? JSONParser.parse(raw)) ?? .null).encode(to: encoder)
    }
}

/// What the platform did with an event.
struct StripeEventReceipt: APIModel {
    let received: Bool
    /// `applied`, `stale` (older than the state the platform has), `ignored` (not for this platform), `duplicate`.
    let outcome: String

    static let example = StripeEventReceipt(received: true, outcome: "applied")
}

/// `POST /billing/checkout` and `/checkout/one-time`.
struct CheckoutRequest: RequestBody, APIModel {
    let tier: String
    let billingPeriod: BillingPeriod?
    let successURL: String?
    let cancelURL: String?

    enum CodingKeys: String, CodingKey { case tier, billingPeriod = "billing_period", successURL = "success_url", cancelURL = "cancel_url" }

    func validated() throws -> CheckoutRequest {
        var check = Validation()
        for (field, url) in [("success_url", successURL), ("cancel_url", cancelURL)] {
            if let url { check.require(url.hasPrefix("https://") || url.hasPrefix("http://"), field, "must be an http(s) URL") }
        }
        try check.finish("The checkout request is invalid.")
        return self
    }

    static let example = CheckoutRequest(tier: "pro", billingPeriod: .month, successURL: "https://app.example.com/billing/done", cancelURL: nil)
}

/// Where to send the person: Stripe's hosted page, or (self-hosted) nowhere, the plan already applied.
struct CheckoutSession: APIModel {
    let provider: String
    let url: String?
    let sessionID: String?
    /// Self-hosted: the subscription as the change left it.
    let subscription: SubscriptionView?

    enum CodingKeys: String, CodingKey { case provider, url, sessionID = "session_id", subscription }

    static let example = CheckoutSession(provider: "stripe", url: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3", sessionID: "cs_test_a1b2c3", subscription: nil)
}

/// `GET /billing/customer-portal`.
struct PortalQuery: QueryParameters {
    let returnURL: String?
    let tier: String?
    let billingPeriod: BillingPeriod?

    enum CodingKeys: String, CodingKey { case returnURL = "return_url", tier, billingPeriod = "billing_period" }
}

struct PortalSession: APIModel {
    let provider: String
    /// Stripe's portal, or a checkout page when there is no subscription to manage yet; null self-hosted.
    let url: String?
    let kind: String

    static let example = PortalSession(provider: "stripe", url: "https://billing.stripe.com/p/session/test_a1b2c3", kind: "portal")
}

/// A SetupIntent for Stripe Elements: confirm it with `client_secret`, then create the subscription.
struct SetupIntent: APIModel {
    let setupIntentID: String
    let clientSecret: String
    let publishableKey: String?

    enum CodingKeys: String, CodingKey { case setupIntentID = "setup_intent_id", clientSecret = "client_secret", publishableKey = "publishable_key" }

    static let example = SetupIntent(setupIntentID: "seti_a1b2c3", clientSecret: "seti_a1b2c3_secret_d4e5f6", publishableKey: "pk_test_a1b2c3")
}

/// `POST /billing/subscription`, after the SetupIntent.
struct SubscriptionRequest: RequestBody, APIModel {
    let paymentMethodID: String
    let tier: String
    let billingPeriod: BillingPeriod?

    enum CodingKeys: String, CodingKey { case paymentMethodID = "payment_method_id", tier, billingPeriod = "billing_period" }

    func validated() throws -> SubscriptionRequest {
        var check = Validation()
        check.require(paymentMethodID.hasPrefix("pm_") && StripeClient.isID(paymentMethodID), "payment_method_id", "must be a Stripe payment method id (pm_…)")
        try check.finish("The subscription request is invalid.")
        return self
    }

    static let example = SubscriptionRequest(paymentMethodID: "pm_card_visa", tier: "pro", billingPeriod: .month)
}

/// `GET /billing/pay/{price_id}?ref=&days=`.
struct PayQuery: QueryParameters {
    /// An affiliate code, kept on the checkout as `affiliate_code`.
    let ref: String?
    /// Trial days for a subscription price; 0 for none; default the configured trial.
    let days: Int?
}
