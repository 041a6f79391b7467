import Foundation
import HTTPTypes
import Hummingbird
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
    let throttle: LoginThrottle
    let jobStreams: JobStreamController
    /// A hash of a random password, verified when the email is unknown so both paths cost the same.
    let decoyHash: String

    func addPublicRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("auth/signup/async", use: signupAsync)
        group.post("auth/signup", use: signup)
        group.get("auth/signup/jobs/:job_id", use: jobStreams.snapshot)
        group.get("auth/signup/jobs/:job_id/stream", use: jobStreams.stream)
        group.post("auth/login", use: login)
        group.post("auth/refresh", use: refresh)
        group.post("auth/logout", use: logout)
    }

    func addAuthenticatedRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("auth/me", use: me)
    }

    // MARK: - Signup

    @Sendable func signupAsync(_ request: Request, context: AppRequestContext) async throws -> EncodedResponse<JobTicket> {
        let signup = try await request.decodeJSON(as: SignupRequest.self, context: context).validated()
        try await ensureEmailFree(signup.email, logger: context.logger)
        let payload = try await payload(for: signup)
        let idempotencyKey = request.headers[.init("Idempotency-Key")!].map {
            Digest.sha256($0 + "\n" + signup.email).map { String(format: "%02x", $0) }.joined()
        }
        let job = try await queue.enqueue(
            kind: SignupJobHandler.kind, payload: try JSONValue(encoding: payload),
            idempotencyKey: idempotencyKey, logger: context.logger)
        return .accepted(JobTicket(jobID: job.id, under: "/api/v1/auth/signup/jobs"))
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> EncodedResponse<SignupResult> {
        let signup = try await request.decodeJSON(as: SignupRequest.self, context: context).validated()
        try await ensureEmailFree(signup.email, logger: context.logger)
        let payload = try await payload(for: signup)
        do {
            guard let result = try await provisioner.provision(payload, logger: context.logger) else { throw AppError.internalError }
            return .created(result)
        } catch let failure as PermanentJobFailure where failure.code == Provisioner.emailTaken.code {
            throw Self.emailTaken
        } catch {
            await provisioner.discard(payload, logger: context.logger)
            throw error
        }
    }

    private func ensureEmailFree(_ email: String, logger: Logger) async throws {
        if try await users.userID(email: email, logger: logger) != nil { throw Self.emailTaken }
    }

    private func payload(for signup: SignupRequest) async throws -> SignupPayload {
        SignupPayload(
            userID: UUID(), workspaceID: UUID(), email: signup.email, fullName: signup.fullName,
            companyName: signup.companyName, passwordHash: try await hasher.hash(signup.password))
    }

    static let emailTaken = AppError.conflict("email_taken", "An account with this email already exists.")

    // MARK: - Sessions

    struct LoginRequest: Decodable {
        let email: String
        let password: String
    }


    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Session {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if let wait = await throttle.retryAfter(email) {
            throw AppError.tooManyRequests(retryAfter: wait, "Too many failed logins for this account; try again later.")
        }
        let credentials = try await users.credentials(email: email, logger: context.logger)
        let valid = try await hasher.verify(body.password, against: credentials?.passwordHash ?? decoyHash)
        guard let credentials, valid, credentials.isActive else {
            await throttle.recordFailure(email)
            throw AppError.unauthenticated("invalid_credentials", "The email or password is wrong.")
        }
        await throttle.recordSuccess(email)
        return try await sessions.issue(userID: credentials.id, logger: context.logger)
    }

    struct RefreshRequest: Decodable {
        let refreshToken: String
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Session {
        let body = try await request.decodeJSON(as: RefreshRequest.self, context: context)
        return try await sessions.rotate(body.refreshToken, logger: context.logger)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: RefreshRequest.self, context: context)
        try await sessions.revoke(body.refreshToken, logger: context.logger)
        return .noContent
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> UserRepository.Profile {
        guard case .user(let userID) = try context.requirePrincipal() else {
            throw AppError.forbidden("user_required", "This endpoint needs a user's access token, not an API key.")
        }
        guard let profile = try await users.profile(userID, logger: context.logger) else {
            throw AppError.unauthenticated("invalid_token", "The account behind this token no longer exists.")
        }
        return profile
    }
}
