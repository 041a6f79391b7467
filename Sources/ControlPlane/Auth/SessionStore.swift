import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Access + refresh token pairs. Refresh tokens rotate on every use; presenting a spent one after
/// the grace window means it leaked, so its whole family is revoked.
struct SessionStore: Sendable {
    let client: PostgresClient
    let tokens: TokenService
    let refreshLifetime: Duration
    /// How long a spent refresh token still gets its successor (`PlatformConfig.refreshGrace`).
    let grace: Duration

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

    /// Spends a refresh token for a new pair, in one transaction that holds the token's row. A
    /// token spent less than `grace` ago gives the same successor again (two tabs refreshing at
    /// once both stay signed in); spent longer ago, it has leaked, and its whole family is revoked.
    func rotate(_ refreshToken: String, logger: Logger) async throws -> Session {
        let digest = Digest.sha256(refreshToken)
        let successor = tokens.successor(of: refreshToken)
        let outcome = try await client.transaction(logger: logger) { connection -> Rotation in
            guard let presented = try await connection.first(Presented.self, """
                SELECT t.user_id, t.family_id, t.workspace_id, t.used_at IS NOT NULL AS spent,
                       t.used_at > now() - make_interval(secs => \(grace.inSeconds)) AS recent,
                       t.revoked_at IS NULL AND t.expires_at > now() AND u.status = 'active' AS live
                FROM control.refresh_tokens t JOIN control.users u ON u.id = t.user_id
                WHERE t.token_digest = \(digest)
                FOR UPDATE OF t
                """, logger: logger), presented.live
            else { return .refused }
            if !presented.spent {
                try await connection.execute("""
                    WITH spent AS (UPDATE control.refresh_tokens SET used_at = now() WHERE token_digest = \(digest))
                    INSERT INTO control.refresh_tokens (user_id, family_id, token_digest, expires_at, workspace_id)
                    VALUES (\(presented.userID), \(presented.familyID), \(Digest.sha256(successor)),
                            now() + make_interval(secs => \(refreshLifetime.inSeconds)), \(presented.workspaceID))
                    """, logger: logger)
                return .issued(presented)
            }
            if presented.recent {
                let live = try await connection.value(Bool.self, """
                    SELECT EXISTS (SELECT FROM control.refresh_tokens
                                   WHERE token_digest = \(Digest.sha256(successor)) AND revoked_at IS NULL AND expires_at > now())
                    """, logger: logger) ?? false
                return live ? .issued(presented) : .refused
            }
            try await connection.execute("""
                UPDATE control.refresh_tokens SET revoked_at = now() WHERE family_id = \(presented.familyID) AND revoked_at IS NULL
                """, logger: logger)
            return .reused
        }
        switch outcome {
        case .issued(let presented):
            return Session(
                accessToken: try await tokens.accessToken(for: presented.userID, workspace: presented.workspaceID),
                refreshToken: successor, expiresIn: tokens.accessTokenLifetimeSeconds)
        case .reused:
            logger.warning("spent refresh token presented again; family revoked")
            throw AuthController.invalidRefreshToken
        case .refused:
            throw AuthController.invalidRefreshToken
        }
    }

    private enum Rotation: Sendable {
        case issued(Presented), reused, refused
    }

    private struct Presented: Row {
        let userID: UUID
        let familyID: UUID
        let workspaceID: UUID?
        let spent: Bool
        let recent: Bool
        let live: Bool
        init(row: RowReader) throws {
            userID = try row("user_id")
            familyID = try row("family_id")
            workspaceID = try row("workspace_id")
            spent = try row("spent")
            recent = try row("recent") ?? false
            live = try row("live")
        }
    }

    /// Logout: the token's family can no longer refresh.
    func revoke(_ refreshToken: String, logger: Logger) async throws {
        try await client.execute("""
            UPDATE control.refresh_tokens SET revoked_at = now()
            WHERE revoked_at IS NULL
              AND family_id = (SELECT family_id FROM control.refresh_tokens WHERE token_digest = \(Digest.sha256(refreshToken)))
            """, logger: logger)
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
