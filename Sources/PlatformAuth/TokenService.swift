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

    /// `workspace`: the workspace the session is bound to (requests that name none go there).
    public func accessToken(for userID: UUID, workspace: UUID? = nil) async throws -> String {
        let now = Date()
        let payload = AccessTokenPayload(
            subject: .init(value: userID.uuidString.lowercased()), workspace: workspace?.uuidString.lowercased(),
            issuedAt: .init(value: now),
            expiration: .init(value: now.addingTimeInterval(TimeInterval(accessTokenLifetimeSeconds))))
        return try await keys.sign(payload)
    }

    /// The user (and bound workspace) of a valid, unexpired token; nil for anything else.
    public func verifyAccessToken(_ token: String) async -> (user: UUID, workspace: UUID?)? {
        guard let payload = try? await keys.verify(token, as: AccessTokenPayload.self), let user = UUID(uuidString: payload.subject.value) else {
            return nil
        }
        return (user, payload.workspace.flatMap(UUID.init(uuidString:)))
    }

    /// A new opaque refresh token (256 random bits).
    public static func newRefreshToken() -> String {
        "rt_" + Digest.base64URL(Digest.randomBytes(32))
    }
}

struct AccessTokenPayload: JWTPayload {
    let subject: SubjectClaim
    let workspace: String?
    let issuedAt: IssuedAtClaim
    let expiration: ExpirationClaim

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case workspace = "wid"
        case issuedAt = "iat"
        case expiration = "exp"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
    }
}
