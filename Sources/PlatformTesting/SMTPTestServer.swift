import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PlatformMail
import X509

/// A small but real SMTP server on 127.0.0.1 for tests: EHLO/HELO, STARTTLS with a certificate
/// made at start-up, AUTH PLAIN and LOGIN, MAIL/RCPT/DATA with dot-unstuffing. It records every
/// message it accepts, and can be told to fail in the ways a client has to handle.
public final class SMTPTestServer: Sendable {
    public struct Received: Sendable, Equatable {
        public var from: String
        public var recipients: [String]
        /// The message as sent, with the dot-stuffing undone: CRLF line endings, ending with CRLF.
        public var data: String
        /// Whether the message came over TLS (after STARTTLS).
        public var tls: Bool
        /// Who authenticated, if anyone.
        public var user: String?

        public var parsed: ParsedMail? { MailMessage.parse(data) }
    }

    /// `waitForMessages` gave up before enough messages arrived.
    public struct TimedOut: Error, CustomStringConvertible {
        public let expected: Int
        public let received: Int
        public var description: String { "expected \(expected) messages, received \(received)" }
    }

    public let port: Int
    /// `smtp://127.0.0.1:PORT` (`smtps` with `implicitTLS`), with the required credentials when there are any.
    public let url: URL
    /// The certificate authority that signed the server's certificate, when started with `tls`.
    public let certificate: NIOSSLCertificate?
    private let channel: any Channel
    private let state: LockedState

    /// Writes the certificate authority as PEM, for a client configured by file (`SMTP_CA_FILE`).
    public func writeCertificateAuthority(to file: URL) throws {
        guard let certificate else { return }
        let base64 = Data(try certificate.toDERBytes()).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        try Data("-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n".utf8).write(to: file)
    }

    /// Roots a client needs to trust this server (`.default`, which will not, without `tls`).
    public var trustRoots: NIOSSLTrustRoots {
        certificate.map { .certificates([$0]) } ?? .default
    }

    /// - Parameters:
    ///   - tls: offer STARTTLS, with a certificate for `localhost` and `127.0.0.1`.
    ///   - implicitTLS: with `tls`, speak TLS from the first byte instead (an `smtps://` URL).
    ///   - certificateNames: the host names and IP addresses the certificate is good for.
    ///   - requireAuth: offer AUTH and answer MAIL with 530 until a client has logged in with these.
    ///   - failFirst: answer the first that many MAIL commands (on any connection) with 451.
    ///   - rejectRecipients: answer RCPT with 550 for these addresses.
    ///   - authMechanisms: the mechanisms to offer, of PLAIN and LOGIN.
    ///   - supportsEHLO: false to answer EHLO with 502, as a HELO-only server would.
    public static func start(
        tls: Bool = false,
        implicitTLS: Bool = false,
        certificateNames: [String] = ["localhost", "127.0.0.1"],
        requireAuth: (user: String, password: String)? = nil,
        failFirst: Int = 0,
        rejectRecipients: Set<String> = [],
        authMechanisms: [String] = ["PLAIN", "LOGIN"],
        supportsEHLO: Bool = true
    ) async throws -> SMTPTestServer {
        var tlsContext: NIOSSLContext?
        var authority: NIOSSLCertificate?
        if tls {
            let identity = try TestCertificates(names: certificateNames)
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(identity.leaf)], privateKey: .privateKey(identity.key))
            tlsContext = try NIOSSLContext(configuration: configuration)
            authority = identity.authority
        }
        let state = LockedState(failuresLeft: failFirst)
        let settings = Settings(
            tls: tlsContext, implicitTLS: tls && implicitTLS, credentials: requireAuth, rejectRecipients: rejectRecipients,
            authMechanisms: authMechanisms, supportsEHLO: supportsEHLO, state: state)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.implicitTLS, let tlsContext = settings.tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try channel.pipeline.syncOperations.addHandler(Session(settings: settings))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        var components = URLComponents()
        components.scheme = tls && implicitTLS ? "smtps" : "smtp"
        components.host = "127.0.0.1"
        components.port = port
        if let requireAuth {
            components.user = requireAuth.user
            components.password = requireAuth.password
        }
        return SMTPTestServer(port: port, url: components.url!, certificate: authority, channel: channel, state: state)
    }

    private init(port: Int, url: URL, certificate: NIOSSLCertificate?, channel: any Channel, state: LockedState) {
        (self.port, self.url, self.certificate, self.channel, self.state) = (port, url, certificate, channel, state)
    }

    /// The messages accepted so far, oldest first.
    public func messages() -> [Received] {
        state.withLock { $0.messages }
    }

    /// Waits until at least `count` messages have arrived and returns them all.
    public func waitForMessages(count: Int, timeout: Duration) async throws -> [Received] {
        let (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        state.withLock { $0.watchers[id] = continuation }
        defer {
            state.withLock { $0.watchers[id] = nil }
            continuation.finish()
        }
        continuation.yield()  // check what has already arrived
        let found = try await withThrowingTaskGroup(of: [Received]?.self) { group in
            group.addTask {
                for await _ in changes {
                    let messages = self.messages()
                    if messages.count >= count { return messages }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let found else { throw TimedOut(expected: count, received: messages().count) }
        return found
    }

    /// Stops listening; connections still open are left to finish.
    public func shutdown() async throws {
        try await channel.close()
    }
}

// MARK: - Shared state

extension SMTPTestServer {
    struct State {
        var messages: [Received] = []
        var failuresLeft: Int
        var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]
    }

    /// State shared by the sessions (on event loop threads) and the test. NSLock rather than
    /// `Mutex`, which needs macOS 15 while the package supports 14; every access to `state` goes
    /// through `withLock`, which is what makes the `@unchecked Sendable` sound.
    final class LockedState: @unchecked Sendable {
        private let lock = NSLock()
        private var state: State

        init(failuresLeft: Int) {
            state = State(failuresLeft: failuresLeft)
        }

        func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body(&state)
        }

        /// Answers true (and counts down) while MAIL should still fail.
        func consumeFailure() -> Bool {
            withLock { state in
                guard state.failuresLeft > 0 else { return false }
                state.failuresLeft -= 1
                return true
            }
        }

        func record(_ message: Received) {
            withLock { state in
                state.messages.append(message)
                for watcher in state.watchers.values { watcher.yield() }
            }
        }
    }

    struct Settings: Sendable {
        var tls: NIOSSLContext?
        var implicitTLS: Bool
        var credentials: (user: String, password: String)?
        var rejectRecipients: Set<String>
        var authMechanisms: [String]
        var supportsEHLO: Bool
        var state: LockedState
    }
}

// MARK: - One connection

extension SMTPTestServer {
    final class Session: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private enum Mode {
            case commands
            case data
            case authPlain
            case authLoginUser
            case authLoginPassword(user: String)
        }

        private let settings: Settings
        private var buffer = ByteBuffer()
        private var mode = Mode.commands
        private var tls = false
        private var greeted = false
        private var user: String?
        private var sender: String?
        private var recipients: [String] = []
        private var data: [UInt8] = []

        init(settings: Settings) {
            self.settings = settings
            tls = settings.implicitTLS
        }

        func channelActive(context: ChannelHandlerContext) {
            reply(context, "220 localhost ESMTP SMTPTestServer")
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer.readBytes(length: newline - buffer.readerIndex) ?? []
                buffer.moveReaderIndex(forwardBy: 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if handle(line, context) == .stop { break }
            }
            buffer.discardReadBytes()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        private enum Next { case goOn, stop }

        private func handle(_ line: [UInt8], _ context: ChannelHandlerContext) -> Next {
            switch mode {
            case .data:
                if line == [UInt8(ascii: ".")] {
                    finishData(context)
                } else {
                    data += line.first == UInt8(ascii: ".") ? line.dropFirst() : line[...]
                    data += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
                }
            case .authPlain:
                mode = .commands
                checkPlain(String(decoding: line, as: UTF8.self), context)
            case .authLoginUser:
                mode = .authLoginPassword(user: decodeBase64(String(decoding: line, as: UTF8.self)) ?? "")
                reply(context, "334 UGFzc3dvcmQ6")
            case .authLoginPassword(let user):
                mode = .commands
                check(user: user, password: decodeBase64(String(decoding: line, as: UTF8.self)), context)
            case .commands:
                return command(String(decoding: line, as: UTF8.self), context)
            }
            return .goOn
        }

        private func command(_ line: String, _ context: ChannelHandlerContext) -> Next {
            let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
            let argument = line.dropFirst(verb.count).trimmingCharacters(in: .whitespaces)
            switch verb {
            case "EHLO":
                guard settings.supportsEHLO else {
                    reply(context, "502 5.5.1 EHLO not supported")
                    break
                }
                greeted = true
                var lines = ["localhost greets \(argument)", "8BITMIME", "SMTPUTF8"]
                if settings.tls != nil && !tls { lines.append("STARTTLS") }
                if settings.credentials != nil { lines.append("AUTH " + settings.authMechanisms.joined(separator: " ")) }
                lines.append("HELP")
                reply(context, lines.enumerated().map { "250\($0 == lines.count - 1 ? " " : "-")\($1)" }.joined(separator: "\r\n"))
            case "HELO":
                greeted = true
                reply(context, "250 localhost")
            case "STARTTLS":
                guard let tlsContext = settings.tls, !tls else {
                    reply(context, "502 5.5.1 STARTTLS not available")
                    break
                }
                reply(context, "220 2.0.0 Ready to start TLS")
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
                } catch {
                    context.close(promise: nil)
                    return .stop
                }
                // Anything sent before the handshake was plain text; RFC 3207 says to forget it,
                // along with the session so far.
                buffer.clear()
                (tls, greeted, user, sender, recipients) = (true, false, nil, nil, [])
                return .stop
            case "AUTH":
                startAuth(argument, context)
            case "MAIL":
                if !greeted {
                    reply(context, "503 5.5.1 Say EHLO first")
                } else if settings.credentials != nil && user == nil {
                    reply(context, "530 5.7.0 Authentication required")
                } else if settings.state.consumeFailure() {
                    reply(context, "451 4.3.0 Try again later")
                } else if let address = Self.address(in: argument, after: "FROM:") {
                    (sender, recipients) = (address, [])
                    reply(context, "250 2.1.0 OK")
                } else {
                    reply(context, "501 5.5.4 Syntax: MAIL FROM:<address>")
                }
            case "RCPT":
                if sender == nil {
                    reply(context, "503 5.5.1 MAIL first")
                } else if let address = Self.address(in: argument, after: "TO:") {
                    if settings.rejectRecipients.contains(address) {
                        reply(context, "550 5.1.1 No such user")
                    } else {
                        recipients.append(address)
                        reply(context, "250 2.1.5 OK")
                    }
                } else {
                    reply(context, "501 5.5.4 Syntax: RCPT TO:<address>")
                }
            case "DATA":
                guard sender != nil, !recipients.isEmpty else {
                    reply(context, "503 5.5.1 RCPT first")
                    break
                }
                (mode, data) = (.data, [])
                reply(context, "354 End data with <CR><LF>.<CR><LF>")
            case "RSET":
                (sender, recipients) = (nil, [])
                reply(context, "250 2.0.0 OK")
            case "NOOP":
                reply(context, "250 2.0.0 OK")
            case "QUIT":
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 2.0.0 Bye\r\n"))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
                return .stop
            default:
                reply(context, "500 5.5.2 Unknown command")
            }
            return .goOn
        }

        private func finishData(_ context: ChannelHandlerContext) {
            let received = Received(
                from: sender ?? "", recipients: recipients, data: String(decoding: data, as: UTF8.self), tls: tls, user: user)
            // Recorded before the 250 goes out, so a client that got it finds the message there.
            settings.state.record(received)
            (mode, sender, recipients, data) = (.commands, nil, [], [])
            reply(context, "250 2.0.0 OK queued")
        }

        private func startAuth(_ argument: String, _ context: ChannelHandlerContext) {
            let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
            let mechanism = parts.first?.uppercased() ?? ""
            if settings.credentials == nil {
                reply(context, "502 5.5.1 AUTH not available")
            } else if user != nil {
                reply(context, "503 5.5.1 Already authenticated")
            } else if !settings.authMechanisms.contains(mechanism) {
                reply(context, "504 5.5.4 Unrecognized authentication type")
            } else if mechanism == "PLAIN" {
                if parts.count == 2 {
                    checkPlain(parts[1], context)
                } else {
                    mode = .authPlain
                    reply(context, "334 ")
                }
            } else {
                mode = .authLoginUser
                reply(context, "334 VXNlcm5hbWU6")
            }
        }

        private func checkPlain(_ token: String, _ context: ChannelHandlerContext) {
            // authorization identity NUL user NUL password
            let parts = decodeBase64(token)?.split(separator: "\0", omittingEmptySubsequences: false) ?? []
            if parts.count == 3 {
                check(user: String(parts[1]), password: String(parts[2]), context)
            } else {
                reply(context, "501 5.5.2 Cannot decode response")
            }
        }

        private func check(user: String, password: String?, _ context: ChannelHandlerContext) {
            if let expected = settings.credentials, expected.user == user, expected.password == password {
                self.user = user
                reply(context, "235 2.7.0 Authentication successful")
            } else {
                reply(context, "535 5.7.8 Authentication credentials invalid")
            }
        }

        private func decodeBase64(_ text: String) -> String? {
            Data(base64Encoded: text).map { String(decoding: $0, as: UTF8.self) }
        }

        private func reply(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }

        /// The address in `FROM:<a@b> SMTPUTF8`.
        private static func address(in argument: String, after prefix: String) -> String? {
            guard argument.uppercased().hasPrefix(prefix) else { return nil }
            let rest = argument.dropFirst(prefix.count).drop { $0 == " " }
            guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
    }
}

// MARK: - Certificates

/// A throwaway certificate authority and a server certificate it signed for `names`, made fresh
/// for each server so no key material lives in the repository.
private struct TestCertificates {
    let authority: NIOSSLCertificate
    let leaf: NIOSSLCertificate
    let key: NIOSSLPrivateKey

    init(names: [String]) throws {
        let now = Date()
        let authorityKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let authorityName = try DistinguishedName { CommonName("SMTPTestServer CA") }
        let authority = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: authorityKey.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(24 * 3600),
            issuer: authorityName, subject: authorityName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: authorityKey)

        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(24 * 3600),
            issuer: authorityName, subject: try DistinguishedName { CommonName(names.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                BasicConstraints.notCertificateAuthority
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map(Self.generalName))
            },
            issuerPrivateKey: authorityKey)

        self.authority = try NIOSSLCertificate(bytes: Array(authority.serializeAsPEM().pemString.utf8), format: .pem)
        self.leaf = try NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem)
        self.key = try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)
    }

    /// An IP address entry for an address, a DNS name entry for anything else.
    private static func generalName(_ name: String) -> GeneralName {
        let bytes: [UInt8]
        switch try? SocketAddress(ipAddress: name, port: 0) {
        case .some(.v4(let address)):
            bytes = withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .some(.v6(let address)):
            bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        default:
            return .dnsName(name)
        }
        return .ipAddress(.init(contentBytes: bytes[...]))
    }
}
