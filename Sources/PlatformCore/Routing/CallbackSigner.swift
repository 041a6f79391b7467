import Crypto
import Foundation
import HTTPTypes

/// Signatures of callbacks from automation (n8n and the like), which send no token:
/// `X-Platform-Signature` in Stripe's scheme (`SignatureHeader`) under the workspace's callback
/// secret. Each workspace's secret is derived from the deployment's key, so none is stored, and one
/// workspace's secret signs for no other. A signature older or newer than
/// five minutes is refused; within them, the body's `event_id` makes a replay act once.
public struct CallbackSigner: Sendable {
    public static let header = HTTPField.Name("X-Platform-Signature")!
    public static let tolerance = 300
    public static let invalid = AppError.unauthenticated(
        "invalid_signature", "The X-Platform-Signature header is missing, malformed, stale or does not match the body.")

    private let key: SymmetricKey

    /// `secret`: the deployment's `CALLBACK_SECRET` (or its JWT secret); only a derivation of it is used.
    public init(secret: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("callback signing".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// What the workspace's automation signs with (shown to its managers, never stored).
    public func secret(for workspace: UUID) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("workspace \(workspace.uuidString.lowercased())".utf8), using: key)
        return "whsec_" + Data(code).hex
    }

    /// The header value for `body` sent at `time` (what a caller computes; the tests and docs use it).
    public func signature(_ body: some DataProtocol, workspace: UUID, at time: Date = Date()) -> String {
        SignatureHeader(secret: secret(for: workspace), tolerance: Self.tolerance).sign(body, at: time)
    }

    /// Throws `invalid` unless `header` signs `body` for `workspace` within the tolerance of `now`.
    public func verify(_ header: String?, body: some DataProtocol, workspace: UUID, now: Date = Date()) throws {
        do {
            try SignatureHeader(secret: secret(for: workspace), tolerance: Self.tolerance).verify(header, body: body, now: now)
        } catch {
            throw Self.invalid
        }
    }
}
