import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Access + refresh token pairs. Refresh tokens rotate on every use; presenting a spent one means
/// it leaked, so its whole family is revoked.
struct SessionStore: Sendable {
    let client: PostgresClient
    let tokens: TokenService
    let refreshLifetime: Duration

    /// A new pair; `workspace` binds the session to a workspace (kept across refreshes).
    func issue(userID: UUID, workspace: UUID? = nil, family: UUID = UUID(), logger: Logger) async throws -> Session {
        let refresh = TokenService.newRefreshToken()
        try await client.execute("""
            INSERT INTO control.refresh_tokens (user_id, family_id, token_digest, expires_at, workspace_id)
            VALUES (\(userID), \(family), \(Digest.sha256(refresh)), now() + make_interval(secs => \(refreshLifetime.inSeconds)), \(workspace))
            """, logger: logger)
        return Session(
            accessToken: try await tokens.accessToken(for: userID, workspace: workspace), refreshToken: refresh,
            expiresIn: tokens.accessTokenLifetimeSeconds)
    }

    func rotate(_ refreshToken: String, logger: Logger) async throws -> Session {
        let digest = Digest.sha256(refreshToken)
        let rows = try await client.run("""
            UPDATE control.refresh_tokens SET used_at = now()
            WHERE token_digest = \(digest) AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
              AND EXISTS (SELECT 1 FROM control.users WHERE id = user_id AND status = 'active')
            RETURNING user_id, family_id, workspace_id
            """, logger: logger)
        if let row = rows.first {
            let (userID, family, workspace) = try row.decode((UUID, UUID, UUID?).self)
            return try await issue(userID: userID, workspace: workspace, family: family, logger: logger)
        }
        let reused = try await revokeFamily(ofDigest: digest, onlyIfSpent: true, logger: logger)
        if reused { logger.warning("spent refresh token presented again; family revoked") }
        throw AuthController.invalidRefreshToken
    }

    /// Logout: the token's family can no longer refresh.
    func revoke(_ refreshToken: String, logger: Logger) async throws {
        _ = try await revokeFamily(ofDigest: Digest.sha256(refreshToken), onlyIfSpent: false, logger: logger)
    }

    private func revokeFamily(ofDigest digest: Data, onlyIfSpent: Bool, logger: Logger) async throws -> Bool {
        let rows = try await client.run("""
            WITH presented AS (
                SELECT family_id FROM control.refresh_tokens
                WHERE token_digest = \(digest) AND (NOT \(onlyIfSpent) OR used_at IS NOT NULL)
            )
            UPDATE control.refresh_tokens SET revoked_at = now()
            WHERE family_id IN (SELECT family_id FROM presented) AND revoked_at IS NULL
            RETURNING id
            """, logger: logger)
        return !rows.isEmpty
    }
}

/// An access token and the refresh token that renews it.
struct Session: APIModel {
    let accessToken: String
    let refreshToken: String
    let expiresIn: Int
    var tokenType = "bearer"

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type", expiresIn = "expires_in"
    }

    static let example = Session(
        accessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI5YTBkNWUyYy0zYjRmLTRjNmQtOGU3Zi0xYTJiM2M0ZDVlNmYifQ.c2lnbmF0dXJl",
        refreshToken: RefreshRequest.example.refreshToken, expiresIn: 900)
}
