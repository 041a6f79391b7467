/// Why an SMTP delivery failed, and whether trying again later could help.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an unexpected reply; `code` holds it.
        case reply
        /// Connecting failed, the connection dropped, or the server spoke something other than SMTP.
        case connection
        /// The server did not answer a command within the timeout.
        case timeout
        /// The TLS handshake failed (untrusted certificate, wrong host name, …).
        case tls
        /// We refused to go on: a bad URL or address, TLS required but not offered, credentials
        /// over an unencrypted connection, no authentication mechanism we support.
        case refused
    }

    public var kind: Kind
    /// The server's reply code, for `.reply`.
    public var code: Int?
    /// The server's reply text, or what went wrong.
    public var text: String
    /// The command being answered (`RCPT TO`), with no arguments so no credentials.
    public var command: String?

    /// 5xx replies and our own refusals will fail the same way again; 4xx replies, connection
    /// failures, TLS failures and timeouts may not, so a caller can retry those.
    public var isPermanent: Bool {
        switch kind {
        case .reply: (code ?? 0) / 100 == 5
        case .refused: true
        case .connection, .timeout, .tls: false
        }
    }

    public init(kind: Kind, code: Int? = nil, text: String, command: String? = nil) {
        (self.kind, self.code, self.text, self.command) = (kind, code, text, command)
    }

    public var description: String {
        var parts = ["SMTP \(kind)"]
        if let command { parts.append("after \(command)") }
        if let code { parts.append(String(code)) }
        return parts.joined(separator: " ") + ": " + text
    }
}
