import Foundation
import PlatformCore

/// `POST /auth/signup[/async]` body, validated before anything is written.
struct SignupRequest: RequestBody, APIModel {
    let email: String
    let password: String
    let fullName: String
    let companyName: String
    /// With Stripe: a payment method a SetupIntent confirmed, for a subscription that starts with
    /// the trial. Without it, the answer carries a checkout page instead.
    var paymentMethodID: String? = nil

    enum CodingKeys: String, CodingKey {
        case email, password, fullName = "full_name", companyName = "company_name", paymentMethodID = "payment_method_id"
    }

    /// The request with its fields trimmed and the email lower-cased, or a 422 naming every bad field.
    func validated() throws -> SignupRequest {
        var check = Validation()
        let email = self.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        check.require(Self.looksLikeEmail(email), "email", "must be a valid email address")
        check.require(password.count >= 8, "password", "must be at least 8 characters")
        check.require(password.utf8.count <= 1024, "password", "must be at most 1024 bytes")
        let fullName = check.text(fullName, "full_name", length: 1...200)
        let companyName = check.text(companyName, "company_name", length: 1...200)
        if let paymentMethodID {
            check.require(paymentMethodID.hasPrefix("pm_") && StripeClient.isID(paymentMethodID), "payment_method_id", "must be a Stripe payment method id (pm_…)")
        }
        try check.finish("The signup request is invalid.")
        return SignupRequest(email: email, password: password, fullName: fullName, companyName: companyName, paymentMethodID: paymentMethodID)
    }

    static let example = SignupRequest(
        email: "ada@example.com", password: "correct horse battery staple", fullName: "Ada Lovelace", companyName: "Acme")

    static func looksLikeEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 320, parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace })
    }
}

/// What a signup job carries. Ids are chosen up front so every step can be replayed idempotently;
/// the password is already an argon2id hash, never plaintext.
struct SignupPayload: Codable, Sendable {
    let userID: UUID
    let workspaceID: UUID
    let email: String
    let fullName: String
    let companyName: String
    let passwordHash: String
    var paymentMethodID: String? = nil
    /// Signing up with a payment invite (flow §3.2): the invite is claimed with the user and its
    /// paid subscription becomes the workspace's.
    var inviteID: UUID? = nil
    var clerkID: String? = nil

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", workspaceID = "workspace_id", email, fullName = "full_name"
        case companyName = "company_name", passwordHash = "password_hash", paymentMethodID = "payment_method_id"
        case inviteID = "invite_id", clerkID = "clerk_id"
    }

    var slug: String { Self.slug(for: companyName, id: workspaceID) }

    /// `acme-inc-1a2b3c`: readable, and unique because of the workspace id's tail.
    static func slug(for name: String, id: UUID) -> String {
        let base = name.lowercased().folding(options: .diacriticInsensitive, locale: nil)
            .map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let collapsed = String(base).split(separator: "-").joined(separator: "-").prefix(40)
        let suffix = id.uuidString.lowercased().suffix(6)
        return collapsed.isEmpty ? "workspace-\(suffix)" : "\(collapsed)-\(suffix)"
    }
}

/// A finished signup: the owner's first session and their workspace.
struct SignupResult: APIModel {
    let accessToken: String
    let refreshToken: String
    let tokenType: String
    let expiresIn: Int
    let userID: UUID
    let workspaceID: UUID
    let workspaceName: String
    /// With Stripe and no payment method given: the checkout page that starts the subscription.
    var checkoutURL: String? = nil

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type"
        case expiresIn = "expires_in", userID = "user_id", workspaceID = "workspace_id", workspaceName = "workspace_name"
        case checkoutURL = "checkout_url"
    }

    static let example = SignupResult(
        accessToken: Session.example.accessToken, refreshToken: Session.example.refreshToken, tokenType: "bearer", expiresIn: 900,
        userID: User.example.id, workspaceID: JobSnapshot.example.workspaceID!, workspaceName: "Acme")
}
