import Crypto
import Foundation

/// Short-lived download URLs: `path?exp=<unix seconds>&sig=<base64url HMAC-SHA256 of "path\nexp">`.
/// The path is the bare path, without a query, as the router sees it when the URL comes back.
public struct URLSigner: Sendable {
    public enum Verdict: Sendable, Equatable {
        case valid, expired, invalid
    }

    /// An `exp` further ahead than this is refused even when signed, so `sign` must stay within it.
    public static let maxLifetime: TimeInterval = 7 * 24 * 60 * 60

    private let key: SymmetricKey

    /// The HMAC key is derived from `secret`, so the same secret can serve other purposes unrelated
    /// to these URLs without their keys being the same.
    public init(secret: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
            info: Data("platform file urls".utf8),
            outputByteCount: 32)
    }

    public func sign(path: String, expiresAt: Date) -> String {
        let exp = String(Int64(expiresAt.timeIntervalSince1970.rounded(.down)))
        let mac = HMAC<SHA256>.authenticationCode(for: Self.message(path: path, exp: exp), using: key)
        return "\(path)?exp=\(exp)&sig=\(Self.base64URL(Data(mac)))"
    }

    /// `exp` and `sig`: the query's values, as received. A URL is valid until the second `exp`.
    public func verify(path: String, exp: String?, sig: String?, now: Date = Date()) -> Verdict {
        // At most 12 digits keeps the number far from overflow; a sign or a space is malformed.
        guard let exp, (1...12).contains(exp.utf8.count), exp.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let expiry = Int64(exp),
              let sig, let mac = Self.decodeBase64URL(sig), mac.count == SHA256.byteCount
        else { return .invalid }
        // The message holds `exp` as received, so "0123" is not a second spelling of "123".
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(path: path, exp: exp), using: key) else {
            return .invalid
        }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(expiry))
        if expiresAt.timeIntervalSince(now) > Self.maxLifetime { return .invalid }
        return now < expiresAt ? .valid : .expired
    }

    public static let expired = AppError.forbidden("url_expired", "This link has expired; ask for a fresh one.")
    public static let badSignature = AppError.forbidden("invalid_signature", "This link is not valid.")
    public static let errors = [ErrorCase(expired), ErrorCase(badSignature)]

    /// `verify`, answered as the 403 a link that is not valid deserves.
    public func check(path: String, exp: String?, sig: String?) throws {
        switch verify(path: path, exp: exp, sig: sig) {
        case .valid: return
        case .expired: throw Self.expired
        case .invalid: throw Self.badSignature
        }
    }

    private static func message(path: String, exp: String) -> Data {
        Data("\(path)\n\(exp)".utf8)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Unpadded base64url only: `+`, `/` and `=` are refused rather than accepted as other spellings.
    private static func decodeBase64URL(_ text: String) -> Data? {
        let isAlphabet: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
        guard text.utf8.allSatisfy(isAlphabet), text.utf8.count % 4 != 1 else { return nil }
        let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return Data(base64Encoded: standard + String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4))
    }
}
