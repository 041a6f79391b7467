import Crypto
import Foundation
import JWTKit
import Synchronization

/// Short-lived HS256 access tokens and opaque refresh tokens.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    private let verified = VerifiedTokens()
    private let successorKey: SymmetricKey
    public let accessTokenLifetime: Duration

    public init(secret: String, accessTokenLifetime: Duration) async {
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.successorKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("platform refresh successor".utf8), outputByteCount: 32)
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
        if let known = verified.lookup(token) { return known }
        guard let payload = try? await keys.verify(token, as: AccessTokenPayload.self), let user = UUID(uuidString: payload.subject.value) else {
            return nil
        }
        let workspace = payload.workspace.flatMap(UUID.init(uuidString:))
        verified.insert(token, user: user, workspace: workspace, expires: payload.expiration.value)
        return (user, workspace)
    }

    /// A new opaque refresh token (256 random bits).
    public static func newRefreshToken() -> String {
        "rt_" + Digest.base64URL(Digest.randomBytes(32))
    }

    /// The refresh token that replaces `refreshToken` when it is spent: an HMAC of it under a key
    /// derived from the secret, so a retry of the same refresh can be given the same successor
    /// again without the successor ever being stored (only its SHA-256 is).
    public func successor(of refreshToken: String) -> String {
        "rt_" + Digest.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(refreshToken.utf8), using: successorKey)))
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

/// Tokens this process has verified, by their exact text (signature included), until they expire.
/// A client sends one token with every request for its lifetime, and verifying it again (an HMAC
/// and two JSON documents through Foundation's decoder) was a tenth of a tenant read's server time.
final class VerifiedTokens: Sendable {
    private struct Entry {
        let user: UUID
        let workspace: UUID?
        let expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity = 10_000

    func lookup(_ token: String) -> (user: UUID, workspace: UUID?)? {
        let now = Date()
        return entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expires > now else {
                entries[token] = nil
                return nil
            }
            return (entry.user, entry.workspace)
        }
    }

    func insert(_ token: String, user: UUID, workspace: UUID?, expires: Date) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(user: user, workspace: workspace, expires: expires)
        }
    }
}
