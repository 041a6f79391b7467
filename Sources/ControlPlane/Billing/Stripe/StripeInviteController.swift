import Foundation
import Logging
import PlatformAuth
import PlatformCore

/// Payment first, account second (flow §3.2): the invite's details from its code, the invite found
/// again by email and access code, and signing up with it, waiting or as a job whose progress
/// streams like signup's.
struct StripeInviteController: Sendable {
    let invites: StripeInvites
    let users: UserRepository
    let hasher: PasswordHasher
    let queue: JobQueue
    let provisioner: Provisioner
    let secrets: Throttle

    static let inviteErrors = [ErrorCase(StripeInvites.notFound), ErrorCase(StripeInvites.used), ErrorCase(StripeInvites.expired)]

    static let details = Endpoint(
        .get, "/api/v1/auth/stripe-invite/{invite_code}", "A payment invite's details, from the registration link (the invite code is the secret)",
        returns: StripeInviteDetails.self, errors: [ErrorCase(StripeInvites.notFound), AccountController.throttled])
    static let lookup = Endpoint(
        .post, "/api/v1/auth/lookup-invite", "Find an open payment invite by email and the access code from its email; answers its invite code",
        body: InviteLookup.self, returns: StripeInviteDetails.self, errors: [ErrorCase(StripeInvites.lookupFailed), AccountController.throttled])
    static let signup = Endpoint(
        .post, "/api/v1/auth/signup/stripe-invite",
        "Sign up with a paid invite and wait: the account, the workspace, its tables, and the paid subscription linked",
        body: InviteSignupRequest.self, returns: SignupResult.self, status: .created,
        errors: inviteErrors + [ErrorCase(AuthController.emailTaken), AccountController.throttled])
    static let signupAsync = Endpoint(
        .post, "/api/v1/auth/signup/stripe-invite/async",
        "Sign up with a paid invite; the workspace is provisioned by a job whose progress streams like signup's",
        body: InviteSignupRequest.self, returns: JobTicket.self, status: .accepted,
        errors: inviteErrors + [ErrorCase(AuthController.emailTaken), AccountController.throttled], idempotent: true)

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.details) { input, context in
            let invite = try await secrets.guarding(.secrets, input.client.throttleKey, logger: context.logger) {
                try await invites.find(code: input.parameter("invite_code"), logger: context.logger)
            }
            return StripeInviteDetails(invite, code: nil)
        }
        routes.open(Self.lookup) { input, context in
            let found = try await secrets.guarding(.secrets, input.client.throttleKey, logger: context.logger) {
                try await invites.lookup(email: input.body.email, accessCode: input.body.accessCode, logger: context.logger)
            }
            return StripeInviteDetails(found.invite, code: found.code)
        }
        routes.open(Self.signup) { input, context in
            try await provisioner.provisionNow(try await payload(input.body, client: input.client, logger: context.logger), logger: context.logger)
        }
        routes.open(Self.signupAsync) { input, context in
            let job = try await queue.enqueue(SignupJob.self, try await payload(input.body, client: input.client, logger: context.logger), logger: context.logger)
            return JobTicket(jobID: job.id, status: AuthController.signupJob, stream: AuthController.signupJobStream)
        }
    }

    /// The invite must be open and its email free; the account's email is the one that paid. A
    /// Clerk user without a password gets a random one nobody knows (they sign in through Clerk).
    private func payload(_ request: InviteSignupRequest, client: ClientInfo, logger: Logger) async throws -> SignupPayload {
        let invite = try await secrets.guarding(.secrets, client.throttleKey, logger: logger) { try await invites.open(code: request.inviteCode, logger: logger) }
        if try await users.userID(email: invite.email, logger: logger) != nil { throw AuthController.emailTaken }
        let password = request.password ?? Digest.base64URL(Digest.randomBytes(32))
        return SignupPayload(
            userID: UUID(), workspaceID: UUID(), email: invite.email, fullName: request.fullName ?? invite.customerName ?? invite.email,
            companyName: request.companyName, passwordHash: try await hasher.hash(password), inviteID: invite.id, clerkID: request.clerkID)
    }
}

/// What a payment invite is for. `invite_code` only when found by email and access code.
struct StripeInviteDetails: APIModel {
    let email: String
    let customerName: String?
    let tier: String?
    let billingPeriod: BillingPeriod
    /// `pending` (open), `used`, or `expired`.
    let status: String
    let expiresAt: Date
    let inviteCode: String?

    enum CodingKeys: String, CodingKey {
        case email, customerName = "customer_name", tier, billingPeriod = "billing_period", status, expiresAt = "expires_at", inviteCode = "invite_code"
    }

    init(_ invite: StripeInvite, code: String?, now: Date = Date()) {
        (email, customerName, tier, billingPeriod, expiresAt, inviteCode) = (
            invite.email, invite.customerName, invite.tier, invite.billingPeriod, invite.expiresAt, code
        )
        status = invite.status == "pending" && invite.expiresAt <= now ? "expired" : invite.status
    }

    private init(example: Void) {
        (email, customerName, tier, billingPeriod, status, expiresAt, inviteCode) = (
            "ada@example.com", "Ada Lovelace", "pro", .month, "pending", Date(timeIntervalSince1970: 1_792_000_000), nil
        )
    }

    static let example = StripeInviteDetails(example: ())
}

/// `POST /auth/lookup-invite`.
struct InviteLookup: RequestBody, APIModel {
    let email: String
    let accessCode: String

    enum CodingKeys: String, CodingKey { case email, accessCode = "access_code" }

    func validated() throws -> InviteLookup {
        var check = Validation()
        let email = PasswordRule.email(email, &check)
        let code = StripeInvites.normalized(accessCode)
        check.require(code.count == 8, "access_code", "must be the 8 letters and digits from the email")
        try check.finish("The lookup is invalid.")
        return InviteLookup(email: email, accessCode: code)
    }

    static let example = InviteLookup(email: "ada@example.com", accessCode: "K7QM-4WZP")
}

/// `POST /auth/signup/stripe-invite[/async]`: a password, or a Clerk id instead of one.
struct InviteSignupRequest: RequestBody, APIModel {
    let inviteCode: String
    let password: String?
    let clerkID: String?
    /// Defaults to the name given at checkout.
    let fullName: String?
    let companyName: String

    enum CodingKeys: String, CodingKey {
        case inviteCode = "invite_code", password, clerkID = "clerk_id", fullName = "full_name", companyName = "company_name"
    }

    func validated() throws -> InviteSignupRequest {
        var check = Validation()
        check.require((1...100).contains(inviteCode.utf8.count), "invite_code", "must be the code from the registration link")
        if let password {
            check.require(password.count >= 8, "password", "must be at least 8 characters")
            check.require(password.utf8.count <= 1024, "password", "must be at most 1024 bytes")
        } else {
            check.require(clerkID != nil, "password", "is required unless clerk_id is given")
        }
        if let clerkID { check.require((1...200).contains(clerkID.count), "clerk_id", "must be 1 to 200 characters") }
        let fullName = self.fullName.map { check.text($0, "full_name", length: 1...200) }
        let companyName = check.text(companyName, "company_name", length: 1...200)
        try check.finish("The signup request is invalid.")
        return InviteSignupRequest(inviteCode: inviteCode, password: password, clerkID: clerkID, fullName: fullName, companyName: companyName)
    }

    static let example = InviteSignupRequest(
        inviteCode: "q3J0c2VjcmV0LWNvZGUtZnJvbS10aGUtZW1haWwtbGluaw", password: "correct horse battery staple", clerkID: nil, fullName: "Ada Lovelace",
        companyName: "Acme")
}
