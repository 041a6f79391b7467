import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Accounts without a session: register (legacy), password reset, activation; and password change.
/// Every endpoint that takes a token goes through the secret throttle, keyed by the caller's address.
struct AccountController: Sendable {
    let client: PostgresClient
    let users: UserRepository
    let tokens: OneTimeTokens
    let outbox: Outbox
    let templates: MailTemplates
    let audit: AuditLog
    let sessions: SessionStore
    let hasher: PasswordHasher
    let secrets: Throttle

    static let wrongPassword = AppError.badRequest("invalid_password", "The current password is wrong.")
    static let throttled = ErrorCase(.tooManyRequests, "rate_limited")
    static let workspaceMismatch = AppError.badRequest("invalid_token", "The token is not valid.")

    static let register = Endpoint(
        .post, "/api/v1/auth/register", "Register a user without a workspace (legacy: use /auth/signup)", body: Registration.self,
        returns: User.self, status: .created, errors: [ErrorCase(UserRepository.emailTaken)])
    static let requestReset = Endpoint(
        .post, "/api/v1/auth/request-password-reset", "Email a password reset link (valid 1 hour); the answer is the same whether or not the account exists",
        body: EmailRequest.self, returns: Acknowledgement.self)
    static let resetPassword = Endpoint(
        .post, "/api/v1/auth/reset-password", "Set a new password with the emailed token (ends every session)", body: PasswordReset.self,
        returns: Acknowledgement.self, errors: OneTimeTokens.errors + [throttled])
    static let validateActivation = Endpoint(
        .get, "/api/v1/auth/activate/validate", "Check an activation link and say who it is for (the token is the authentication)",
        query: ActivationQuery.self, returns: ActivationDetails.self, errors: OneTimeTokens.errors + [throttled])
    static let activate = Endpoint(
        .post, "/api/v1/auth/activate", "Activate an account by setting its password; answers a session", body: Activation.self,
        returns: AccountSession.self, errors: OneTimeTokens.errors + [throttled])
    static let resendActivation = Endpoint(
        .post, "/api/v1/auth/activate/resend", "Send the activation email again (the answer is the same whether or not there is one to send)",
        body: EmailRequest.self, returns: Acknowledgement.self)
    static let changePassword = Endpoint(
        .post, "/api/v1/auth/me/password", "Change your password (other sessions end)", body: PasswordChange.self, returns: Session.self,
        errors: [ErrorCase(wrongPassword), ErrorCase(AuthController.userRequired), throttled])

    static let heard = Acknowledgement(message: "If an account exists for this email, a message is on its way.")

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.register) { input, context in
            let body = input.body
            let hash = try await hasher.hash(body.password)
            let record = try await users.create(email: body.email, fullName: body.fullName, passwordHash: hash, status: "active", logger: context.logger)
            return User(record, avatarURL: nil)
        }
        routes.open(Self.requestReset) { input, context in
            if let user = try await users.find(email: input.body.email, logger: context.logger), user.status != "disabled" {
                try await client.transaction(logger: context.logger) { connection in
                    let token = try await tokens.issue(.passwordReset, userID: user.id, on: connection, logger: context.logger)
                    try await outbox.enqueue(templates.passwordReset(to: user.email, token: token, validFor: "1 hour"), on: connection, logger: context.logger)
                }
                await audit.record(.init(.passwordResetRequested, target: ("user", user.id.uuidString.lowercased())), client: input.client, logger: context.logger)
            }
            return Self.heard
        }
        routes.open(Self.resetPassword) { input, context in
            let hash = try await hasher.hash(input.body.newPassword)
            let grant = try await spend(.passwordReset, input.body.token, input.client, context.logger) { grant, connection in
                try await users.setPassword(grant.userID, hash: hash, on: connection, logger: context.logger)
            }
            await audit.record(.init(.passwordReset, actor: .user(id: grant.userID), target: ("user", grant.userID.uuidString.lowercased())),
                               client: input.client, logger: context.logger)
            return Acknowledgement(message: "Your password has been changed. Sign in with the new one.")
        }
        routes.open(Self.validateActivation) { input, context in
            try await secrets.guarding(.secrets, input.client.throttleKey, logger: context.logger) {
                let grant = try await tokens.peek(.activation, input.query.token, logger: context.logger)
                if let asked = input.query.workspaceID, asked != grant.workspaceID { throw OneTimeTokens.invalid }
                let user = try await users.find(grant.userID, logger: context.logger).orNotFound(OneTimeTokens.invalid)
                let workspace = try await grant.workspaceID.asyncMap { try await workspaceSummary($0, context.logger) } ?? nil
                return ActivationDetails(
                    userID: user.id, email: user.email, fullName: user.fullName, workspace: workspace, passwordRequired: !user.hasPassword)
            }
        }
        routes.open(Self.activate) { input, context in
            let hash = try await hasher.hash(input.body.password)
            let grant = try await spend(.activation, input.body.token, input.client, context.logger) { grant, connection in
                try await users.setPassword(grant.userID, hash: hash, on: connection, logger: context.logger)
                try await connection.execute("""
                    UPDATE control.users SET status = 'active' WHERE id = \(grant.userID) AND status = 'pending'
                    """, logger: context.logger)
            }
            await audit.record(.init(.accountActivated, actor: .user(id: grant.userID), workspaceID: grant.workspaceID,
                                     target: ("user", grant.userID.uuidString.lowercased())), client: input.client, logger: context.logger)
            let session = try await sessions.issue(userID: grant.userID, logger: context.logger)
            return AccountSession(session, userID: grant.userID, workspaceID: grant.workspaceID)
        }
        routes.open(Self.resendActivation) { input, context in
            if let user = try await users.find(email: input.body.email, logger: context.logger), user.status == "pending" {
                let workspace = try await client.first(WorkspaceSummary.self, """
                    SELECT w.id, w.name FROM control.workspace_members m JOIN control.workspaces w ON w.id = m.workspace_id
                    WHERE m.user_id = \(user.id) ORDER BY m.created_at DESC LIMIT 1
                    """, logger: context.logger)
                try await client.transaction(logger: context.logger) { connection in
                    let token = try await tokens.issue(.activation, userID: user.id, workspaceID: workspace?.id, on: connection, logger: context.logger)
                    try await outbox.enqueue(
                        templates.activation(to: user.email, name: user.fullName, workspace: workspace.map { ($0.id, $0.name) }, token: token),
                        on: connection, logger: context.logger)
                }
            }
            return Self.heard
        }
        routes.authenticated(Self.changePassword) { input, context in
            guard case .user(let userID, _) = context.principal else { throw AuthController.userRequired }
            let credentials = try await users.credentials(userID: userID, logger: context.logger).orNotFound(AppError.invalidToken)
            let hash = try await secrets.guarding(.passwordChange, userID.uuidString, logger: context.logger) {
                guard let current = credentials.passwordHash, try await hasher.verify(input.body.currentPassword, against: current) else {
                    throw Self.wrongPassword
                }
                return try await hasher.hash(input.body.newPassword)
            }
            try await client.transaction(logger: context.logger) { connection in
                try await users.setPassword(userID, hash: hash, on: connection, logger: context.logger)
            }
            await audit.record(.init(.passwordChanged, actor: context.principal, target: ("user", userID.uuidString.lowercased())),
                               client: input.client, logger: context.logger)
            return try await sessions.issue(userID: userID, logger: context.logger)
        }
    }

    /// Spends a token and applies its effect in one transaction, behind the secret throttle; a
    /// token presented again is audited as a reuse.
    func spend(
        _ kind: OneTimeTokens.Kind, _ token: String, _ info: ClientInfo, _ logger: Logger,
        _ effect: (OneTimeTokens.Grant, PostgresConnection) async throws -> Void
    ) async throws -> OneTimeTokens.Grant {
        do {
            return try await secrets.guarding(.secrets, info.throttleKey, logger: logger) {
                try await client.transaction(logger: logger) { connection in
                    let grant = try await tokens.consume(kind, token, on: connection, logger: logger)
                    try await effect(grant, connection)
                    return grant
                }
            }
        } catch let error as AppError where error.code == OneTimeTokens.used.code {
            await audit.record(.init(.tokenReused, failed: true, details: ["kind": .string(kind.rawValue)]), client: info, logger: logger)
            throw error
        }
    }

    func workspaceSummary(_ id: UUID, _ logger: Logger) async throws -> WorkspaceSummary? {
        try await client.first(WorkspaceSummary.self, "SELECT id, name FROM control.workspaces WHERE id = \(id)", logger: logger)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

struct Registration: RequestBody, APIModel {
    let email: String
    let password: String
    let fullName: String

    enum CodingKeys: String, CodingKey { case email, password, fullName = "full_name" }

    func validated() throws -> Registration {
        var check = Validation()
        let email = PasswordRule.email(email, &check)
        PasswordRule.check(password, "password", &check)
        let fullName = check.text(fullName, "full_name", length: 1...200)
        try check.finish("The registration is invalid.")
        return Registration(email: email, password: password, fullName: fullName)
    }

    static let example = Registration(email: "ada@example.com", password: "correct horse battery staple", fullName: "Ada Lovelace")
}

struct EmailRequest: RequestBody, APIModel {
    let email: String

    func validated() throws -> EmailRequest {
        var check = Validation()
        let email = PasswordRule.email(email, &check)
        try check.finish("The request is invalid.")
        return EmailRequest(email: email)
    }

    static let example = EmailRequest(email: "ada@example.com")
}

struct PasswordReset: RequestBody, APIModel {
    let token: String
    let newPassword: String

    enum CodingKeys: String, CodingKey { case token, newPassword = "new_password" }

    func validated() throws -> PasswordReset {
        var check = Validation()
        TokenRule.check(token, &check)
        PasswordRule.check(newPassword, "new_password", &check)
        try check.finish("The password reset is invalid.")
        return self
    }

    static let example = PasswordReset(token: "q5m0Yc2x8Qk1Vt7p3Ls9Wd4Rb6Nh0Jf2Gz8Ua1Ke5I", newPassword: "a new long passphrase")
}

struct Activation: RequestBody, APIModel {
    let token: String
    let password: String

    func validated() throws -> Activation {
        var check = Validation()
        TokenRule.check(token, &check)
        PasswordRule.check(password, "password", &check)
        try check.finish("The activation is invalid.")
        return self
    }

    static let example = Activation(token: PasswordReset.example.token, password: "correct horse battery staple")
}

struct PasswordChange: RequestBody, APIModel {
    let currentPassword: String
    let newPassword: String

    enum CodingKeys: String, CodingKey { case currentPassword = "current_password", newPassword = "new_password" }

    func validated() throws -> PasswordChange {
        var check = Validation()
        check.require(currentPassword.utf8.count <= 1024, "current_password", "must be at most 1024 bytes")
        PasswordRule.check(newPassword, "new_password", &check)
        try check.finish("The password change is invalid.")
        return self
    }

    static let example = PasswordChange(currentPassword: "correct horse battery staple", newPassword: "an even longer passphrase")
}

struct ActivationQuery: QueryParameters {
    let token: String
    let workspaceID: UUID?

    enum CodingKeys: String, CodingKey { case token, workspaceID = "workspace_id" }
}

/// Tokens are 43 base64url characters; anything else is refused before a lookup.
enum TokenRule {
    static func check(_ token: String, field: String = "token", _ check: inout Validation) {
        check.require(!token.isEmpty && token.utf8.count <= 128, field, "must be the token from the link")
    }
}

struct WorkspaceSummary: Codable, Sendable, Row {
    let id: UUID
    let name: String

    init(id: UUID, name: String) {
        (self.id, self.name) = (id, name)
    }

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
    }
}

struct ActivationDetails: APIModel {
    let userID: UUID
    let email: String
    let fullName: String
    let workspace: WorkspaceSummary?
    let passwordRequired: Bool

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", email, fullName = "full_name", workspace, passwordRequired = "password_required"
    }

    static let example = ActivationDetails(
        userID: User.example.id, email: "ada@example.com", fullName: "Ada Lovelace",
        workspace: WorkspaceSummary(id: Profile.example.workspaces[0].id, name: "Acme"), passwordRequired: true)
}

/// A session started by something other than a login (activation, an invitation, impersonation,
/// Clerk): the tokens, whose they are, and the workspace it concerns.
struct AccountSession: APIModel {
    let accessToken: String
    let refreshToken: String
    let tokenType: String
    let expiresIn: Int
    let userID: UUID
    let workspaceID: UUID?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type", expiresIn = "expires_in"
        case userID = "user_id", workspaceID = "workspace_id"
    }

    init(_ session: Session, userID: UUID, workspaceID: UUID?) {
        accessToken = session.accessToken
        refreshToken = session.refreshToken
        tokenType = session.tokenType
        expiresIn = session.expiresIn
        self.userID = userID
        self.workspaceID = workspaceID
    }

    static let example = AccountSession(.example, userID: User.example.id, workspaceID: Profile.example.workspaces[0].id)
}
