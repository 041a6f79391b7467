import Foundation
import PlatformCore

/// Stripe's webhook signature (`Stripe-Signature`, `SignatureHeader`'s scheme) under the endpoint's
/// secret (`STRIPE_WEBHOOK_SECRET`, `whsec_…`, used as given), five minutes' tolerance. A bad or
/// stale signature is 400 and nothing is read from the body.
struct StripeSignature: Sendable {
    let secret: String

    static let header = "Stripe-Signature"
    static let invalid = AppError.badRequest("invalid_signature", "The Stripe-Signature header is missing, malformed or does not match the body.")
    static let stale = AppError.badRequest("stale_signature", "The Stripe-Signature timestamp is more than five minutes from now.")

    func verify(_ header: String?, payload: some DataProtocol, now: Date = Date()) throws {
        do {
            try SignatureHeader(secret: secret, tolerance: 300).verify(header, body: payload, now: now)
        } catch .stale {
            throw Self.stale
        } catch {
            throw Self.invalid
        }
    }
}
