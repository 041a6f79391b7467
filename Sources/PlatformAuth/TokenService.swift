import Foundation
import JWTKit

/// Short-lived HS256 access tokens and opaque refresh tokens.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    public let accessTokenLifetime: Duration

    public init(secret: String, accessTokenLifetime: Duration) async {
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.accessTokenLifetime = accessTokenLifetime
    }

    public var accessTokenLifetimeSeconds: Int { Int(accessTokenLifetime.components.seconds) }

    public func accessToken(for userID: UUID) async throws -> String {
        let now = Date()
        let payload = AccessTokenPayload(
            subject: .init(value: userID.uuidString.lowercased()),
            issuedAt: .init(value: now),
            expiration: .init(value: now.addingTimeInterval(TimeInterval(accessTokenLifetimeSeconds))))
        return try await keys.sign(payload)
    }

    /// The user id of a valid, unexpired token; nil for anything else.
    public func verifyAccessToken(_ token: String) async -> UUID? {
        guard let payload = try? await keys.verify(token, as: AccessTokenPayload.self) else { return nil }
        return UUID(uuidString: payload.subject.value)
    }

    /// A new opaque refresh token (256 random bits).
    public static func newRefreshToken() -> String {
        "rt_" + Digest.base64URL(Digest.randomBytes(32))
    }
}

struct AccessTokenPayload: JWTPayload {
    let subject: SubjectClaim
    let issuedAt: IssuedAtClaim
    let expiration: ExpirationClaim

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case issuedAt = "iat"
        case expiration = "exp"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
    }
}
