import Foundation

/// `sk_live_` + 32 random base62 characters + a 6-character base62 checksum of those 32. The checksum
/// lets us (and secret scanners) reject a mistyped key without touching the database.
public struct APIKey: Sendable, Equatable {
    public static let marker = "sk_live_"
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    static let bodyLength = 32
    static let checksumLength = 6

    /// The full secret: shown once, never stored.
    public let secret: String

    public static func generate() -> APIKey {
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<bodyLength).map { _ in alphabet.randomElement(using: &generator)! })
        return APIKey(secret: marker + body + checksum(of: body))
    }

    /// Nil unless the string has the exact format and a matching checksum.
    public init?(parsing string: String) {
        guard string.hasPrefix(Self.marker), string.count == Self.marker.count + Self.bodyLength + Self.checksumLength else { return nil }
        let rest = string.dropFirst(Self.marker.count)
        guard rest.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        let body = String(rest.prefix(Self.bodyLength))
        guard Self.checksum(of: body) == String(rest.suffix(Self.checksumLength)) else { return nil }
        self.secret = string
    }

    private init(secret: String) { self.secret = secret }

    public var digest: Data { Digest.sha256(secret) }

    /// What lists show so a person can tell keys apart: `sk_live_` and the first 6 characters.
    public var displayPrefix: String { String(secret.prefix(Self.marker.count + 6)) }

    static func checksum(of body: String) -> String {
        let hash = Digest.sha256(body)
        var value = hash.prefix(4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var characters: [Character] = []
        for _ in 0..<checksumLength {
            characters.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return String(characters.reversed())
    }
}
