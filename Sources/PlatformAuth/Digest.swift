import Crypto
import Foundation

public enum Digest {
    /// SHA-256 of a secret (API key, refresh token): what the database stores instead of the secret.
    public static func sha256(_ text: String) -> Data {
        Data(SHA256.hash(data: Array(text.utf8)))
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// URL-safe base64 without padding.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Digest {
    /// Compares two secrets in time that depends on neither (their SHA-256 digests are compared
    /// whole), so a wrong guess learns nothing from how long the answer took.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(SHA256.hash(data: Array(a.utf8)))
        let right = Array(SHA256.hash(data: Array(b.utf8)))
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
