import Crypto
import Foundation

/// The signature scheme Stripe signs webhooks with, which callbacks here use too:
/// `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where each `v1` is HMAC-SHA256 of `"<t>.<raw body>"`
/// under the secret as given. Any `v1` may match (a secret being rolled has two), each compared in
/// constant time; other schemes (`v0`) are ignored; `t` must be within `tolerance` seconds of now.
public struct SignatureHeader: Sendable {
    public enum Failure: Error, Equatable { case malformed, mismatch, stale }

    public let secret: String
    public var tolerance: Int = 300

    public init(secret: String, tolerance: Int = 300) {
        self.secret = secret
        self.tolerance = tolerance
    }

    /// The header value for `body` sent at `time`.
    public func sign(_ body: some DataProtocol, at time: Date = Date()) -> String {
        let timestamp = Int(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(Data(code(body, timestamp: timestamp)).hex)"
    }

    public func verify(_ header: String?, body: some DataProtocol, now: Date = Date()) throws(Failure) {
        guard let header else { throw .malformed }
        var timestamp: Int?
        var candidates: [Data] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1", let code = Data(hex: pair[1]) { candidates.append(code) }
        }
        guard let timestamp, !candidates.isEmpty else { throw .malformed }
        let signed = Data("\(timestamp).".utf8) + Data(body)
        let key = SymmetricKey(data: Data(secret.utf8))
        guard candidates.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) else {
            throw .mismatch
        }
        guard abs(Int(now.timeIntervalSince1970) - timestamp) <= tolerance else { throw .stale }
    }

    private func code(_ body: some DataProtocol, timestamp: Int) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + Data(body), using: SymmetricKey(data: Data(secret.utf8)))
    }
}

extension Data {
    /// Lower-case hexadecimal.
    public var hex: String { map { String(format: "%02x", $0) }.joined() }

    public init?(hex: String) {
        guard hex.utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
