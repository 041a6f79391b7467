import Crypto
import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Payment first, account second (flow §3.2). A Checkout paid through the public pay link, with no
/// workspace behind it, becomes an invite (`control.stripe_invites`) and an onboarding email with a
/// registration link and an access code. The invite code is the authentication for signing up with
/// it; the access code, with the email, finds it again on the `/final-process` page.
///
/// Both codes are derived from the invite's id with a key from the server secret, so neither is
/// stored: the table keeps the code's SHA-256 to find the row.
struct StripeInvites: Sendable {
    let client: PostgresClient
    let outbox: Outbox
    let templates: MailTemplates
    private let key: SymmetricKey

    static let lifetime: TimeInterval = 30 * 24 * 3600

    static let notFound = AppError.notFound("invite_not_found", "No payment invite has this code.")
    static let lookupFailed = AppError.notFound("invite_not_found", "No open payment invite matches this email and access code.")
    static let used = AppError.conflict("invite_used", "This payment invite has already been used to sign up.")
    static let expired = AppError(.gone, code: "invite_expired", message: "This payment invite has expired; contact support to have it renewed.")

    init(client: PostgresClient, outbox: Outbox, templates: MailTemplates, secret: String) {
        self.client = client
        self.outbox = outbox
        self.templates = templates
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("platform stripe invites".utf8), outputByteCount: 32)
    }

    // MARK: Codes

    /// The registration link's code: 43 characters of base64url.
    func code(_ id: UUID) -> String {
        Digest.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data("code:\(id.uuidString.lowercased())".utf8), using: key)))
    }

    /// What a person types: `ABCD-EFGH`, 40 bits in an alphabet without 0/O and 1/I.
    func accessCode(_ id: UUID) -> String {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data("access:\(id.uuidString.lowercased())".utf8), using: key))
        var bits = mac.prefix(5).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var letters: [Character] = []
        for _ in 0..<8 {
            letters.append(Self.alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return String(letters.prefix(4)) + "-" + String(letters.suffix(4))
    }

    private static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// Upper-cased, with anything but letters and digits dropped, as `accessCode` is compared.
    static func normalized(_ accessCode: String) -> String {
        String(accessCode.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    // MARK: Reading

    /// The invite a code names, whatever its state.
    func find(code: String, logger: Logger) async throws -> StripeInvite {
        guard code.utf8.count <= 100 else { throw Self.notFound }
        return try await client.first(StripeInvite.self, "\(StripeInvite.select) WHERE i.code_digest = \(Digest.sha256(code))", logger: logger)
            .orNotFound(Self.notFound)
    }

    /// The invite a code names, if it can still be signed up with.
    func open(code: String, logger: Logger) async throws -> StripeInvite {
        let invite = try await find(code: code, logger: logger)
        try invite.requireOpen()
        return invite
    }

    /// An open invite for `email` whose access code is `accessCode` (compared in constant time).
    func lookup(email: String, accessCode: String, logger: Logger) async throws -> (invite: StripeInvite, code: String) {
        let candidates = try await client.all(StripeInvite.self, """
            \(StripeInvite.select) WHERE lower(i.email) = lower(\(email)) AND i.status = 'pending' AND i.expires_at > now()
            ORDER BY i.created_at DESC LIMIT 20
            """, logger: logger)
        let typed = Self.normalized(accessCode)
        guard let match = candidates.first(where: { Digest.constantTimeEquals(Self.normalized(self.accessCode($0.id)), typed) }) else {
            throw Self.lookupFailed
        }
        return (match, code(match.id))
    }

    // MARK: Writing

    /// From a completed Checkout session with no workspace behind it (Stripe's
    /// `checkout.session.completed`): the invite and its onboarding email, once per session.
    /// Answers nil when the session names no email to invite.
    func create(from session: JSONValue, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        guard let sessionID = session["id"]?.stringValue,
              let email = (session["customer_details"]?["email"]?.stringValue ?? session["customer_email"]?.stringValue)?.lowercased(),
              SignupRequest.looksLikeEmail(email)
        else { return nil }
        let id = UUID()
        let metadata = session["metadata"]
        let price = metadata?["price_id"]?.stringValue
        let name = session["customer_details"]?["name"]?.stringValue
        let created = try await connection.first(Created.self, """
            INSERT INTO control.stripe_invites
                (id, code_digest, email, customer_name, tier_id, billing_period, stripe_checkout_session_id, stripe_customer_id,
                 stripe_subscription_id, affiliate_code, expires_at)
            SELECT \(id), \(Digest.sha256(code(id))), \(email), \(name),
                   coalesce((SELECT id FROM control.billing_tiers WHERE id = \(metadata?["tier"]?.stringValue)),
                            (SELECT id FROM control.billing_tiers
                             WHERE \(price) IN (stripe_monthly_price, stripe_yearly_price, stripe_one_time_price) LIMIT 1)),
                   coalesce((SELECT 'year' FROM control.billing_tiers WHERE stripe_yearly_price = \(price) LIMIT 1), 'month'),
                   \(sessionID), \(session["customer"]?.stringValue), \(session["subscription"]?.stringValue),
                   \(metadata?["affiliate_code"]?.stringValue), now() + make_interval(secs => \(Self.lifetime))
            ON CONFLICT (stripe_checkout_session_id) DO NOTHING
            RETURNING id, tier_id
            """, logger: logger)
        guard let created else { return nil }
        try await outbox.enqueue(
            templates.stripeInvite(to: email, name: name ?? "", tier: created.tier, code: code(id), accessCode: accessCode(id)),
            on: connection, logger: logger)
        return id
    }

    private struct Created: Row {
        let tier: String?
        init(row: RowReader) throws { tier = try row("tier_id") }
    }

    /// Claims the invite for a signup's user and workspace, in the transaction that creates the
    /// user; again for the same workspace, it is already theirs. Refuses an invite used by another.
    static func claim(_ invite: UUID, user: UUID, workspace: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let claimed = try await connection.execute("""
            UPDATE control.stripe_invites SET status = 'used', user_id = \(user), workspace_id = \(workspace), used_at = coalesce(used_at, now())
            WHERE id = \(invite) AND ((status = 'pending' AND expires_at > now()) OR (status = 'used' AND workspace_id = \(workspace)))
            RETURNING id
            """, logger: logger)
        guard claimed == 1 else { throw PermanentJobFailure(code: used.code, message: used.message) }
    }

    /// A failed synchronous signup gives its invite back.
    static func release(workspace: UUID, on db: any Queryable, logger: Logger) async throws {
        try await db.execute("""
            UPDATE control.stripe_invites SET status = 'pending', user_id = NULL, workspace_id = NULL, used_at = NULL WHERE workspace_id = \(workspace)
            """, logger: logger)
    }

    /// The new workspace's subscription: the one paid for (a Stripe subscription, mirrored live
    /// after signup; or a one-time purchase for the tier's duration). Again, it changes nothing.
    static func openSubscription(_ invite: UUID, workspace: UUID, trial: Trial) -> SQLFragment {
        """
        INSERT INTO control.subscriptions
            (workspace_id, tier_id, billing_period, status, current_period_start, current_period_end, cancel_at_period_end,
             stripe_customer_id, stripe_subscription_id)
        SELECT \(workspace), t.id, i.billing_period, 'active', now(),
               now() + CASE WHEN i.stripe_subscription_id IS NULL THEN t.duration_months * interval '1 month'
                            WHEN i.billing_period = 'year' THEN interval '1 year' ELSE interval '1 month' END,
               i.stripe_subscription_id IS NULL, i.stripe_customer_id, i.stripe_subscription_id
        FROM control.stripe_invites i JOIN control.billing_tiers t ON t.id = coalesce(i.tier_id, \(trial.tier))
        WHERE i.id = \(invite)
        ON CONFLICT (workspace_id) DO NOTHING
        """
    }
}

/// A row of `control.stripe_invites`.
struct StripeInvite: Row, Sendable {
    let id: UUID
    let email: String
    let customerName: String?
    let tier: String?
    let billingPeriod: BillingPeriod
    let status: String
    let affiliateCode: String?
    let expiresAt: Date
    let createdAt: Date

    static let select: SQLFragment = """
        SELECT i.id, i.email, i.customer_name, i.tier_id, i.billing_period, i.status, i.affiliate_code, i.expires_at, i.created_at
        FROM control.stripe_invites i
        """

    init(row: RowReader) throws {
        id = try row("id")
        email = try row("email")
        customerName = try row("customer_name")
        tier = try row("tier_id")
        billingPeriod = try row("billing_period", as: BillingPeriod.self)
        status = try row("status")
        affiliateCode = try row("affiliate_code")
        expiresAt = try row("expires_at")
        createdAt = try row("created_at")
    }

    func requireOpen(now: Date = Date()) throws {
        guard status == "pending" else { throw StripeInvites.used }
        guard expiresAt > now else { throw StripeInvites.expired }
    }
}
