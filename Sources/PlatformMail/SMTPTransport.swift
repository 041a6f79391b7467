import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers mail to an SMTP server (a relay or submission server): one connection per message.
///
/// `smtp://user:pass@host:port` (port 25 by default) speaks plain SMTP and upgrades with STARTTLS
/// as `tls` says; `smtps://…` (port 465) uses TLS from the start. Credentials are only sent over
/// TLS, or to a loopback address.
public struct SMTPTransport: MailTransport, CustomStringConvertible {
    public struct TLS: Sendable {
        public enum Policy: Sendable, Equatable {
            /// Upgrade with STARTTLS when the server offers it, else carry on in plain text.
            case whenOffered
            /// Upgrade with STARTTLS, and fail permanently when the server does not offer it.
            case required
            /// Never upgrade (an `smtps` URL cannot use this).
            case never
        }

        public var policy: Policy
        public var trustRoots: NIOSSLTrustRoots
        /// Whether the certificate must name the host in the URL; on unless you opt out.
        public var verifiesHostname: Bool

        public init(policy: Policy, trustRoots: NIOSSLTrustRoots = .default, verifiesHostname: Bool = true) {
            (self.policy, self.trustRoots, self.verifiesHostname) = (policy, trustRoots, verifiesHostname)
        }

        public static func startTLSWhenOffered(trustRoots: NIOSSLTrustRoots = .default) -> TLS {
            TLS(policy: .whenOffered, trustRoots: trustRoots)
        }

        public static func startTLSRequired(trustRoots: NIOSSLTrustRoots = .default) -> TLS {
            TLS(policy: .required, trustRoots: trustRoots)
        }

        public static let never = TLS(policy: .never)
    }

    public let host: String
    public let port: Int
    public let implicitTLS: Bool
    public let tls: TLS
    private let credentials: (user: String, password: String)?
    private let tlsContext: NIOSSLContext?
    private let eventLoopGroup: any EventLoopGroup
    private let heloName: String
    private let timeout: TimeAmount
    private let logger: Logger

    /// Throws a permanent `SMTPError` (kind `.refused`) for a URL that is not `smtp://` or
    /// `smtps://` with a host, or an `smtps` URL with `TLS.never`.
    public init(
        url: URL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        heloName: String = "localhost",
        tls: TLS = .startTLSWhenOffered(),
        timeout: TimeAmount = .seconds(30),
        logger: Logger = Logger(label: "PlatformMail.SMTPTransport")
    ) throws {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let scheme = components?.scheme?.lowercased()
        guard scheme == "smtp" || scheme == "smtps", let rawHost = components?.host, !rawHost.isEmpty else {
            throw SMTPError(kind: .refused, text: "not an smtp:// or smtps:// URL with a host")
        }
        implicitTLS = scheme == "smtps"
        if implicitTLS && tls.policy == .never {
            throw SMTPError(kind: .refused, text: "an smtps:// URL needs TLS")
        }
        host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        port = components?.port ?? (implicitTLS ? 465 : 25)
        if let user = components?.percentEncodedUser?.removingPercentEncoding, !user.isEmpty {
            credentials = (user, components?.percentEncodedPassword?.removingPercentEncoding ?? "")
        } else {
            credentials = nil
        }
        if tls.policy == .never {
            tlsContext = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = tls.trustRoots
            configuration.certificateVerification = tls.verifiesHostname ? .fullVerification : .noHostnameVerification
            tlsContext = try NIOSSLContext(configuration: configuration)
        }
        self.tls = tls
        self.eventLoopGroup = eventLoopGroup
        self.heloName = MailHeader.sanitized(heloName).replacingOccurrences(of: " ", with: "")
        self.timeout = timeout
        self.logger = logger
    }

    /// The URL without the password.
    public var description: String {
        let user = credentials.map { "\($0.user)@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(implicitTLS ? "smtps" : "smtp")://\(user)\(shownHost):\(port)"
    }

    /// Delivers `message` to every recipient or throws `SMTPError`; a message some recipients
    /// refused is not sent to the others either.
    public func send(_ message: MailMessage) async throws {
        let sender = try Self.envelopeAddress(message.from)
        let recipients = try message.to.map(Self.envelopeAddress)
        guard !recipients.isEmpty else { throw SMTPError(kind: .refused, text: "the message has no recipients") }
        let data = Self.dataPayload(message.rendered())

        let connection = try await SMTPConnection.connect(
            host: host, port: port, group: eventLoopGroup, timeout: timeout,
            implicitTLS: implicitTLS ? tlsContext : nil, serverHostname: serverHostname, logger: logger)
        do {
            try await withTaskCancellationHandler {
                try await converse(over: connection, sender: sender, recipients: recipients, data: data)
            } onCancel: {
                connection.channel.close(promise: nil)
            }
            await connection.close()
            logger.debug("Mail delivered", metadata: ["smtp": "\(self)", "recipients": "\(recipients.count)"])
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Whether credentials may go over this connection: over TLS, or in plain text only to
    /// the loopback interface (a local relay), where nobody else can read them.
    public static func allowsCredentials(overTLS: Bool, peer: SocketAddress?) -> Bool {
        if overTLS { return true }
        guard let ip = peer?.ipAddress?.lowercased() else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    private func converse(
        over connection: SMTPConnection, sender: String, recipients: [String], data: ByteBuffer
    ) async throws(SMTPError) {
        try await connection.expect([220], after: nil, command: "greeting")
        var capabilities = try await hello(connection)
        var secure = implicitTLS

        if !secure, let tlsContext {
            if capabilities["STARTTLS"] != nil {
                try await connection.expect([220], after: "STARTTLS", command: "STARTTLS")
                try await connection.startTLS(context: tlsContext, serverHostname: serverHostname)
                secure = true
                // What the server offered before TLS no longer counts (RFC 3207 §4.2).
                capabilities = try await hello(connection)
            } else if tls.policy == .required {
                throw SMTPError(kind: .refused, text: "the server does not offer STARTTLS", command: "EHLO")
            }
        }

        if let credentials {
            guard Self.allowsCredentials(overTLS: secure, peer: connection.channel.remoteAddress) else {
                throw SMTPError(kind: .refused, text: "will not send credentials to \(host) without TLS", command: "AUTH")
            }
            try await authenticate(connection, credentials: credentials, mechanisms: capabilities["AUTH"] ?? [])
        }

        var mailFrom = "MAIL FROM:<\(sender)>"
        if !([sender] + recipients).allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
            guard capabilities["SMTPUTF8"] != nil else {
                throw SMTPError(kind: .refused, text: "non-ASCII addresses need SMTPUTF8, which the server does not offer", command: "MAIL FROM")
            }
            mailFrom += " SMTPUTF8"
        }
        try await connection.expect([250], after: mailFrom, command: "MAIL FROM")
        for recipient in recipients {
            try await connection.expect([250, 251], after: "RCPT TO:<\(recipient)>", command: "RCPT TO")
        }
        try await connection.expect([354], after: "DATA", command: "DATA")
        try await connection.expect([250], afterSending: data, command: "message data")
        // The message is accepted; a failed QUIT changes nothing.
        _ = try? await connection.exchange("QUIT", command: "QUIT")
    }

    /// EHLO, or HELO for a server that rejects EHLO; the capabilities from the EHLO reply.
    private func hello(_ connection: SMTPConnection) async throws(SMTPError) -> [String: [String]] {
        let reply = try await connection.exchange("EHLO \(heloName)", command: "EHLO")
        if reply.code == 250 { return reply.capabilities }
        guard reply.code / 100 == 5 else {
            throw SMTPError(kind: .reply, code: reply.code, text: reply.text, command: "EHLO")
        }
        try await connection.expect([250], after: "HELO \(heloName)", command: "HELO")
        return [:]
    }

    private func authenticate(
        _ connection: SMTPConnection, credentials: (user: String, password: String), mechanisms: [String]
    ) async throws(SMTPError) {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            let token = base64("\0\(credentials.user)\0\(credentials.password)")
            try await connection.expect([235], after: "AUTH PLAIN \(token)", command: "AUTH")
        } else if mechanisms.contains("LOGIN") {
            try await connection.expect([334], after: "AUTH LOGIN", command: "AUTH")
            try await connection.expect([334], after: base64(credentials.user), command: "AUTH")
            try await connection.expect([235], after: base64(credentials.password), command: "AUTH")
        } else {
            throw SMTPError(kind: .refused, text: "the server offers no AUTH mechanism we support (PLAIN, LOGIN)", command: "AUTH")
        }
    }

    /// The name for SNI and certificate checks; nil for an IP address, which NIOSSL then checks
    /// against the certificate's IP addresses.
    private var serverHostname: String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// An address fit for `MAIL FROM:<…>`: no spaces, control characters or angle brackets, which
    /// could otherwise end the command and start another.
    static func envelopeAddress(_ address: String) throws(SMTPError) -> String {
        let usable = !address.isEmpty && address.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">"
        }
        guard usable else {
            throw SMTPError(kind: .refused, text: "not a usable address: \(address.debugDescription)")
        }
        return address
    }

    /// The rendered message as DATA content: CRLF line endings, a `.` doubled at the start of
    /// every line that has one (RFC 5321 §4.5.2), then the closing `.` line.
    static func dataPayload(_ rendered: String) -> ByteBuffer {
        var lines = physicalLines(rendered)
        if lines.last == "" { lines.removeLast() }
        var buffer = ByteBuffer()
        for line in lines {
            if line.hasPrefix(".") { buffer.writeString(".") }
            buffer.writeString(line)
            buffer.writeString("\r\n")
        }
        buffer.writeString(".\r\n")
        return buffer
    }
}
