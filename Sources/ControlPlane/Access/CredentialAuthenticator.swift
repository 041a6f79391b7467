import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlatformAuth
import PlatformCore

/// Reads `Authorization: Bearer <jwt | sk_live_…>` or `X-API-Key: sk_live_…`.
struct CredentialAuthenticator: Authenticating {
    let tokens: TokenService
    let keys: APIKeyRepository
    let limiter: KeyRateLimiter
    /// The same for users' access tokens, keyed by the user.
    let userLimiter: KeyRateLimiter

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    func authenticate(_ request: Request, logger: Logger) async throws -> Principal? {
        if let key = request.headers[Self.apiKeyHeader] {
            return try await apiKey(String(key.trimmingSpaces), logger: logger)
        }
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.invalidAuthorization
        }
        let token = String(parts[1].trimmingSpaces)
        if token.hasPrefix("sk_") { return try await apiKey(token, logger: logger) }
        guard let verified = await tokens.verifyAccessToken(token) else {
            throw AppError.invalidToken
        }
        if let wait = await userLimiter.acquire(verified.user) {
            throw AppError.tooManyRequests(retryAfter: wait, "This user is over the request rate limit.")
        }
        return .user(id: verified.user, workspace: verified.workspace)
    }

    private func apiKey(_ secret: String, logger: Logger) async throws -> Principal {
        guard let key = APIKey(parsing: secret) else {
            throw AppError.invalidAPIKey
        }
        let identity = try await keys.verify(key, logger: logger).get()
        if let wait = await limiter.acquire(identity.id) {
            throw AppError.tooManyRequests(retryAfter: wait, "This API key is over its rate limit.")
        }
        return .apiKey(identity)
    }
}
