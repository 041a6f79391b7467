import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Secrets that stand in for a login once: password reset, activation, invitation, impersonation.
/// Random, kept only as SHA-256, spent by the first use, expiring; a newer token of the same kind
/// for the same user and workspace retires the older ones.
struct OneTimeTokens: Sendable {
    let client: PostgresClient

    enum Kind: String, Sendable {
        case passwordReset = "password_reset", activation, invitation, impersonation

        /// How long a token lives unless the caller says otherwise.
        var lifetime: Duration {
            switch self {
            case .passwordReset: .seconds(3600)
            case .activation, .invitation: .seconds(7 * 24 * 3600)
            case .impersonation: .seconds(120)
            }
        }
    }

    static let invalid = AppError.badRequest("invalid_token", "The token is not valid.")
    static let used = AppError.badRequest("token_used", "The token has already been used.")
    static let expired = AppError.badRequest("token_expired", "The token has expired.")
    static let errors = [ErrorCase(invalid), ErrorCase(used), ErrorCase(expired)]

    /// What a token was issued for.
    struct Grant: Row {
        let id: UUID
        let userID: UUID
        let workspaceID: UUID?
        let createdBy: UUID?

        init(row: RowReader) throws {
            id = try row("id")
            userID = try row("user_id")
            workspaceID = try row("workspace_id")
            createdBy = try row("created_by")
        }
    }

    /// Issues a token and retires the user's open tokens of the same kind (and workspace).
    func issue(
        _ kind: Kind, userID: UUID, workspaceID: UUID? = nil, createdBy: UUID? = nil, lifetime: Duration? = nil,
        on db: any Queryable, logger: Logger
    ) async throws -> String {
        let secret = Digest.base64URL(Digest.randomBytes(32))
        try await db.execute("""
            UPDATE control.one_time_tokens SET revoked_at = now()
            WHERE user_id = \(userID) AND kind = \(kind.rawValue) AND workspace_id IS NOT DISTINCT FROM \(workspaceID)
              AND used_at IS NULL AND revoked_at IS NULL
            """, logger: logger)
        try await db.execute("""
            INSERT INTO control.one_time_tokens (kind, token_digest, user_id, workspace_id, created_by, expires_at)
            VALUES (\(kind.rawValue), \(Digest.sha256(secret)), \(userID), \(workspaceID), \(createdBy),
                    now() + make_interval(secs => \((lifetime ?? kind.lifetime).inSeconds)))
            """, logger: logger)
        return secret
    }

    /// Spends a token: the first caller gets its grant, everyone after gets `token_used`.
    func consume(_ kind: Kind, _ secret: String, on db: any Queryable, logger: Logger) async throws -> Grant {
        let digest = Digest.sha256(secret)
        if let grant = try await db.first(Grant.self, """
            UPDATE control.one_time_tokens SET used_at = now()
            WHERE token_digest = \(digest) AND kind = \(kind.rawValue) AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
            RETURNING id, user_id, workspace_id, created_by
            """, logger: logger) {
            return grant
        }
        throw try await whyRefused(kind, digest, on: db, logger: logger)
    }

    /// Reads a token without spending it (validate, invitation details).
    func peek(_ kind: Kind, _ secret: String, logger: Logger) async throws -> Grant {
        let digest = Digest.sha256(secret)
        if let grant = try await client.first(Grant.self, """
            SELECT id, user_id, workspace_id, created_by FROM control.one_time_tokens
            WHERE token_digest = \(digest) AND kind = \(kind.rawValue) AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
            """, logger: logger) {
            return grant
        }
        throw try await whyRefused(kind, digest, on: client, logger: logger)
    }

    /// Retires every open token of a kind for a user in a workspace (a cancelled invitation).
    func revokeAll(_ kind: Kind, userID: UUID, workspaceID: UUID?, on db: any Queryable, logger: Logger) async throws {
        try await db.execute("""
            UPDATE control.one_time_tokens SET revoked_at = now()
            WHERE user_id = \(userID) AND kind = \(kind.rawValue) AND workspace_id IS NOT DISTINCT FROM \(workspaceID)
              AND used_at IS NULL AND revoked_at IS NULL
            """, logger: logger)
    }

    /// Spent or replaced: `token_used`; late: `token_expired`; anything else: `invalid_token`.
    private func whyRefused(_ kind: Kind, _ digest: Data, on db: any Queryable, logger: Logger) async throws -> AppError {
        struct State: Row {
            let spent: Bool
            let expired: Bool
            init(row: RowReader) throws {
                spent = try row("spent")
                expired = try row("expired")
            }
        }
        guard let state = try await db.first(State.self, """
            SELECT used_at IS NOT NULL OR revoked_at IS NOT NULL AS spent, expires_at <= now() AS expired
            FROM control.one_time_tokens WHERE token_digest = \(digest) AND kind = \(kind.rawValue)
            """, logger: logger)
        else { return Self.invalid }
        return state.spent ? Self.used : state.expired ? Self.expired : Self.invalid
    }
}
