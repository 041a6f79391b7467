import Foundation
import HTTPTypes
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// `POST /auth/clerk/check`: the console signed someone in with Clerk and asks whether they have an
/// account here. It never creates one (that is signup's job); it answers a session or `exists: false`.
struct ClerkController: Sendable {
    let client: PostgresClient
    let secret: String?
    let sessions: SessionStore
    let secrets: Throttle
    let audit: AuditLog

    static let header = HTTPField.Name("X-Clerk-Secret")!
    static let notConfigured = AppError.notFound("not_configured", "Clerk sign-in is not configured on this server.")
    static let wrongSecret = AppError.unauthenticated("invalid_clerk_secret", "The X-Clerk-Secret header is missing or wrong.")

    static let check = Endpoint(
        .post, "/api/v1/auth/clerk/check", "Does a Clerk-authenticated person have an account? A session if so (needs X-Clerk-Secret)",
        body: ClerkIdentity.self, returns: ClerkCheck.self,
        errors: [ErrorCase(notConfigured), ErrorCase(wrongSecret), AccountController.throttled])

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.check) { input, context in
            guard let secret else { throw Self.notConfigured }
            try await secrets.guarding(.secrets, input.client.throttleKey, logger: context.logger) {
                guard let presented = input.request.headers[Self.header], Digest.constantTimeEquals(presented, secret) else {
                    throw Self.wrongSecret
                }
            }
            guard let userID = try await match(input.body, context.logger) else { return ClerkCheck(exists: false, userID: nil, session: nil) }
            await audit.record(.init(.loginSucceeded, actor: .user(id: userID), details: ["method": "clerk"]), client: input.client, logger: context.logger)
            return ClerkCheck(exists: true, userID: userID, session: try await sessions.issue(userID: userID, logger: context.logger))
        }
    }

    /// By Clerk id first, then by email (recording the Clerk id on first match); an account already
    /// tied to another Clerk id does not match.
    private func match(_ identity: ClerkIdentity, _ logger: Logger) async throws -> UUID? {
        if let clerkID = identity.clerkID,
           let id = try await client.value(UUID.self, "SELECT id FROM control.users WHERE clerk_id = \(clerkID) AND status = 'active'", logger: logger) {
            return id
        }
        return try await client.value(UUID.self, """
            UPDATE control.users SET clerk_id = COALESCE(clerk_id, \(identity.clerkID))
            WHERE lower(email) = lower(\(identity.email)) AND status = 'active' AND (clerk_id IS NULL OR clerk_id = \(identity.clerkID))
            RETURNING id
            """, logger: logger)
    }
}

struct ClerkIdentity: RequestBody, APIModel {
    let email: String
    let clerkID: String?

    enum CodingKeys: String, CodingKey { case email, clerkID = "clerk_id" }

    func validated() throws -> ClerkIdentity {
        var check = Validation()
        let email = PasswordRule.email(email, &check)
        check.require((clerkID ?? "x").count <= 200 && clerkID != "", "clerk_id", "must be 1 to 200 characters")
        try check.finish("The Clerk identity is invalid.")
        return ClerkIdentity(email: email, clerkID: clerkID)
    }

    static let example = ClerkIdentity(email: "ada@example.com", clerkID: "user_2abcDEF")
}

/// `{"exists": false}`, or `exists: true` with a session.
struct ClerkCheck: APIModel {
    let exists: Bool
    let userID: UUID?
    let accessToken: String?
    let refreshToken: String?
    let expiresIn: Int?

    enum CodingKeys: String, CodingKey {
        case exists, userID = "user_id", accessToken = "access_token", refreshToken = "refresh_token", expiresIn = "expires_in"
    }

    init(exists: Bool, userID: UUID?, session: Session?) {
        self.exists = exists
        self.userID = userID
        accessToken = session?.accessToken
        refreshToken = session?.refreshToken
        expiresIn = session?.expiresIn
    }

    static let example = ClerkCheck(exists: true, userID: User.example.id, session: .example)
}
