import Crypto
import Foundation

/// Seals data kept at rest that must be read back (mail bodies with live links): AES-256-GCM under
/// a key derived from the server secret for one purpose, so a leaked table alone reveals nothing.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(secret: String, purpose: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("platform \(purpose)".utf8), outputByteCount: 32)
    }

    public func seal(_ plaintext: String) throws -> Data {
        try AES.GCM.seal(Data(plaintext.utf8), using: key).combined!
    }

    public func open(_ sealed: Data) throws -> String {
        String(decoding: try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key), as: UTF8.self)
    }
}
