import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Staff sign in as a user to see what they see: a short-lived one-time token, exchanged by the
/// console for a normal session. Both steps are audited.
struct ImpersonationController: Sendable {
    let client: PostgresClient
    let users: UserRepository
    let tokens: OneTimeTokens
    let sessions: SessionStore
    let audit: AuditLog
    let accounts: AccountController

    static let staffOnly = AppError.forbidden("staff_required", "Only staff can do this.")
    static let inactiveUser = AppError.conflict("user_inactive", "The user is not active.")

    static let start = Endpoint(
        .post, "/api/v1/auth/impersonate", "Mint a short-lived impersonation token for a user (staff only)", body: ImpersonationRequest.self,
        returns: ImpersonationToken.self, status: .created,
        errors: [ErrorCase(staffOnly), ErrorCase(UserRepository.notFound), ErrorCase(inactiveUser), ErrorCase(AuthController.userRequired)])
    static let exchange = Endpoint(
        .post, "/api/v1/auth/impersonate/exchange", "Exchange an impersonation token for the user's session", body: TokenExchange.self,
        returns: AccountSession.self, errors: OneTimeTokens.errors + [ErrorCase(inactiveUser), AccountController.throttled])

    func addRoutes(to routes: RouteTable) {
        routes.authenticated(Self.start) { input, context in
            let staffID = try context.userID()
            guard try await users.isStaff(staffID, logger: context.logger) else {
                throw Self.staffOnly
            }
            let target = try await users.find(input.body.userID, logger: context.logger).orNotFound(UserRepository.notFound)
            guard target.status == "active" else { throw Self.inactiveUser }
            let lifetime = OneTimeTokens.Kind.impersonation.lifetime
            let token = try await tokens.issue(.impersonation, userID: target.id, createdBy: staffID, on: client, logger: context.logger)
            await audit.record(.init(.impersonationStarted, actor: context.principal, target: ("user", target.id.uuidString.lowercased())),
                               client: input.client, logger: context.logger)
            return ImpersonationToken(token: token, userID: target.id, expiresIn: Int(lifetime.components.seconds))
        }
        routes.open(Self.exchange) { input, context in
            let grant = try await accounts.spend(.impersonation, input.body.token, input.client, context.logger) { grant, connection in
                let active = try await connection.value(Bool.self, """
                    SELECT status = 'active' FROM control.users WHERE id = \(grant.userID)
                    """, logger: context.logger)
                guard active == true else { throw Self.inactiveUser }
            }
            await audit.record(.init(.impersonationExchanged, actor: grant.createdBy.map { .user(id: $0) },
                                     target: ("user", grant.userID.uuidString.lowercased())), client: input.client, logger: context.logger)
            return AccountSession(try await sessions.issue(userID: grant.userID, logger: context.logger), userID: grant.userID, workspaceID: nil)
        }
    }
}

struct ImpersonationRequest: RequestBody, APIModel {
    let userID: UUID
    enum CodingKeys: String, CodingKey { case userID = "user_id" }
    static let example = ImpersonationRequest(userID: User.example.id)
}

struct ImpersonationToken: APIModel {
    let token: String
    let userID: UUID
    let expiresIn: Int
    enum CodingKeys: String, CodingKey { case token, userID = "user_id", expiresIn = "expires_in" }
    static let example = ImpersonationToken(token: PasswordReset.example.token, userID: User.example.id, expiresIn: 120)
}

struct TokenExchange: RequestBody, APIModel {
    let token: String

    func validated() throws -> TokenExchange {
        var check = Validation()
        TokenRule.check(token, &check)
        try check.finish("The token is missing.")
        return self
    }

    static let example = TokenExchange(token: PasswordReset.example.token)
}
