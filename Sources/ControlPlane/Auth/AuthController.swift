import Foundation
import Logging
import PlatformAuth
import PlatformCore

/// Signup (synchronous and as a job), login, refresh, logout, me.
struct AuthController: Sendable {
    let users: UserRepository
    let sessions: SessionStore
    let hasher: PasswordHasher
    let queue: JobQueue
    let provisioner: Provisioner
    let throttle: Throttle
    let limits: ThrottleLimits
    let audit: AuditLog
    let jobs: JobStreamController
    /// Seals the session a signup job's result carries (`SignupJob`).
    let signupResults: SecretBox
    /// A hash of a random password, verified when the email is unknown so both paths cost the same.
    let decoyHash: String

    static let emailTaken = AppError.conflict("email_taken", "An account with this email already exists.")
    static let invalidCredentials = AppError.unauthenticated("invalid_credentials", "The email or password is wrong.")
    static let invalidRefreshToken = AppError.unauthenticated("invalid_refresh_token", "The refresh token is invalid, expired or already used.")
    static let userRequired = AppError.forbidden("user_required", "This endpoint needs a user's access token, not an API key.")
    static let rateLimited = ErrorCase(.tooManyRequests, "rate_limited")

    static let signupAsync = Endpoint(
        .post, "/api/v1/auth/signup/async", "Sign up; the workspace is provisioned by a job whose progress streams over SSE",
        body: SignupRequest.self, returns: JobTicket.self, status: .accepted, errors: [ErrorCase(emailTaken), rateLimited], idempotent: true)
    static let signup = Endpoint(
        .post, "/api/v1/auth/signup", "Sign up and wait until the workspace is ready", body: SignupRequest.self,
        returns: SignupResult.self, status: .created, errors: [ErrorCase(emailTaken), rateLimited])
    static let signupJob = Endpoint(
        .get, "/api/v1/auth/signup/jobs/{job_id}", "A signup job's state (the job id is the secret)", returns: JobSnapshot.self,
        errors: [ErrorCase(JobStreamController.notFound)])
    static let signupJobStream = Endpoint(
        .get, "/api/v1/auth/signup/jobs/{job_id}/stream", "A signup job's progress as Server-Sent Events (Last-Event-ID resumes)",
        query: StreamPosition.self, returns: EventStream.self, errors: [ErrorCase(JobStreamController.notFound)])
    static let login = Endpoint(
        .post, "/api/v1/auth/login", "Log in with email and password", body: LoginRequest.self, returns: Session.self,
        errors: [ErrorCase(invalidCredentials), rateLimited])
    static let refresh = Endpoint(
        .post, "/api/v1/auth/refresh", "Trade a refresh token for a new pair (rotation; a reused token revokes its family)",
        body: RefreshRequest.self, returns: Session.self, errors: [ErrorCase(invalidRefreshToken)])
    static let logout = Endpoint(
        .post, "/api/v1/auth/logout", "Revoke a refresh token's family", body: RefreshRequest.self, returns: NoContent.self,
        status: .noContent)

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.signupAsync) { input, context in
            let payload = try await payload(for: input.body, client: input.client, logger: context.logger)
            let job = try await queue.enqueue(SignupJob.self, payload, logger: context.logger)
            return JobTicket(jobID: job.id, status: Self.signupJob, stream: Self.signupJobStream)
        }
        routes.open(Self.signup) { input, context in
            try await provisioner.provisionNow(try await payload(for: input.body, client: input.client, logger: context.logger), logger: context.logger)
        }
        routes.open(Self.signupJob) { input, context in
            var job = try await jobs.snapshot(input.id("job_id"), kind: SignupJob.kind, logger: context.logger)
            job.result = SignupJob.reveal(job.result, with: signupResults)
            return job
        }
        routes.open(Self.signupJobStream) { input, context in
            _ = try await jobs.snapshot(input.id("job_id"), kind: SignupJob.kind, logger: context.logger)
            return jobs.eventStream(of: input.id("job_id"), input: input, logger: context.logger) { [signupResults] in
                SignupJob.reveal($0, with: signupResults)
            }
        }
        routes.open(Self.login) { input, context in try await login(input.body, client: input.client, logger: context.logger) }
        routes.open(Self.refresh) { input, context in
            try await sessions.rotate(input.body.refreshToken, logger: context.logger)
        }
        routes.open(Self.logout) { input, context in
            try await sessions.revoke(input.body.refreshToken, logger: context.logger)
            return NoContent()
        }
    }

    /// Takes the signup budgets (this address's, then everyone's), refuses a taken email up front,
    /// and hashes the password before anything is stored.
    private func payload(for signup: SignupRequest, client: ClientInfo, logger: Logger) async throws -> SignupPayload {
        try await throttle.take(.signup(perClient: limits), client.throttleKey, logger: logger)
        try await throttle.take(.signup(overall: limits), "", logger: logger)
        if try await users.userID(email: signup.email, logger: logger) != nil { throw Self.emailTaken }
        return SignupPayload(
            userID: UUID(), workspaceID: UUID(), email: signup.email, fullName: signup.fullName,
            companyName: signup.companyName, passwordHash: try await hasher.hash(signup.password), paymentMethodID: signup.paymentMethodID)
    }

    /// Every budget is taken before the password is checked, narrowest first, so a refused attempt
    /// costs the wider budgets nothing: this address's logins, this account's failures from this
    /// address (the attacker's lockout), this account's failures from anywhere, everyone's logins.
    /// A success gives the account's unit back and clears its failures from this address.
    private func login(_ body: LoginRequest, client: ClientInfo, logger: Logger) async throws -> Session {
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let fromClient = email + "\u{0}" + client.throttleKey
        try await throttle.take(.login(perClient: limits), client.throttleKey, logger: logger)
        try await throttle.take(.loginFromClient, fromClient, logger: logger)
        let failures = try await throttle.take(.loginAccount, email, logger: logger)
        try await throttle.take(.login(overall: limits), "", logger: logger)
        let credentials = try await users.credentials(email: email, logger: logger)
        let valid = try await hasher.verify(body.password, against: credentials?.passwordHash ?? decoyHash)
        guard let credentials, credentials.passwordHash != nil, valid, credentials.isActive else {
            await audit.record(
                .init(.loginFailed, failed: true, target: credentials.map { ("user", $0.id.uuidString.lowercased()) }, details: ["email": .string(email)]),
                client: client, logger: logger)
            if failures > Throttle.Budget.loginAnswered { throw try await throttle.refusal(.loginAccount, email, logger: logger) }
            throw Self.invalidCredentials
        }
        try await throttle.giveBack(.loginAccount, email, logger: logger)
        try await throttle.clear(.loginFromClient, fromClient, logger: logger)
        try await users.recordLogin(credentials.id, logger: logger)
        await audit.record(.init(.loginSucceeded, actor: .user(id: credentials.id)), client: client, logger: logger)
        return try await sessions.issue(userID: credentials.id, logger: logger)
    }
}

struct LoginRequest: RequestBody, APIModel {
    let email: String
    let password: String
    static let example = LoginRequest(email: "ada@example.com", password: "correct horse battery staple")
}

struct RefreshRequest: RequestBody, APIModel {
    let refreshToken: String
    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    static let example = RefreshRequest(refreshToken: "rt_3q2l8W0mJk7x1pQm9sTz4vB6nYc0dE5fHgR2aK8uLoI")
}
