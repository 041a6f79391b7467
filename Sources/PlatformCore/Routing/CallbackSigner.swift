import Crypto
import Foundation
import HTTPTypes

/// Signatures of callbacks from automation (n8n and the like), which send no token:
/// `X-Platform-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the
/// workspace's callback secret. Each workspace's secret is derived from the deployment's key, so
/// none is stored, and one workspace's secret signs for no other. A signature older or newer than
/// five minutes is refused; within them, the body's `event_id` makes a replay act once.
public struct CallbackSigner: Sendable {
    public static let header = HTTPField.Name("X-Platform-Signature")!
    public static let tolerance = 300
    public static let invalid = AppError.unauthenticated(
        "invalid_signature", "The X-Platform-Signature header is missing, malformed, stale or does not match the body.")

    private let key: SymmetricKey

    /// `secret`: the deployment's `CALLBACK_SECRET` (or its JWT secret); only a derivation of it is used.
    public init(secret: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("callback signing".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// What the workspace's automation signs with (shown to its managers, never stored).
    public func secret(for workspace: UUID) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("workspace \(workspace.uuidString.lowercased())".utf8), using: key)
        return "whsec_" + Data(code).hex
    }

    /// The header value for `body` sent at `time` (what a caller computes; the tests and docs use it).
    public func signature(_ body: some DataProtocol, workspace: UUID, at time: Date = Date()) -> String {
        let timestamp = Int(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(Self.code(body, timestamp: timestamp, secret: secret(for: workspace)).hex)"
    }

    /// Throws `invalid` unless `header` signs `body` for `workspace` within the tolerance of `now`.
    public func verify(_ header: String?, body: some DataProtocol, workspace: UUID, now: Date = Date()) throws {
        guard let header else { throw Self.invalid }
        var timestamp: Int?
        var candidates: [Data] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1", let code = Data(hex: pair[1]) { candidates.append(code) }
        }
        guard let timestamp, abs(Int(now.timeIntervalSince1970) - timestamp) <= Self.tolerance, !candidates.isEmpty else { throw Self.invalid }
        let secret = SymmetricKey(data: Data(secret(for: workspace).utf8))
        let signed = Data("\(timestamp).".utf8) + Data(body)
        guard candidates.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: secret) }) else {
            throw Self.invalid
        }
    }

    private static func code(_ body: some DataProtocol, timestamp: Int, secret: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + Data(body), using: SymmetricKey(data: Data(secret.utf8))))
    }
}

extension Data {
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    init?(hex: String) {
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
