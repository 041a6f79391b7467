import Foundation
import NIOCore
import NIOPosix
import PlatformMail
import PlatformTesting
import Testing

/// A message whose lines test the dot-stuffing: one starting with a dot, and one that is only a dot
/// (unstuffed, that would end the DATA early).
let dottedText = "Hello,\n.hidden line\n..two dots\n.\nafter the lone dot\n"

/// Runs `body` against `server`, then shuts the server down, whether or not `body` threw.
func withServer(_ server: SMTPTestServer, _ body: (SMTPTestServer) async throws -> Void) async throws {
    do {
        try await body(server)
    } catch {
        try? await server.shutdown()
        throw error
    }
    try await server.shutdown()
}

@Suite struct SMTPTransportTests {
    @Test func deliversOverPlainSMTP() async throws {
        try await withServer(SMTPTestServer.start()) { server in
            let message = sampleMessage(text: dottedText, to: ["b@example.com", "c@example.com"])

            try await SMTPTransport(url: server.url).send(message)

            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.from == "noreply@example.com")
            #expect(received.recipients == ["b@example.com", "c@example.com"])
            #expect(received.data == message.rendered())
            #expect(received.parsed?.text == dottedText)
            #expect(received.tls == false)
            #expect(received.user == nil)
        }
    }

    @Test func upgradesWithSTARTTLSAndAuthenticates() async throws {
        try await withServer(SMTPTestServer.start(tls: true, requireAuth: (user: "mailer@example.com", password: "p@ss:w/rd %"))) { server in
            #expect(server.url.absoluteString.contains("mailer%40example.com"), "the user is percent-encoded in the URL")

            let transport = try SMTPTransport(url: server.url, tls: .startTLSRequired(trustRoots: server.trustRoots))
            #expect(!transport.description.contains("p@ss"), "the description leaves the password out")
            try await transport.send(sampleMessage(text: dottedText))

            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.tls)
            #expect(received.user == "mailer@example.com")
            #expect(received.parsed?.text == dottedText)
        }
    }

    @Test func authenticatesWithLOGINWhenThatIsAllTheServerOffers() async throws {
        try await withServer(SMTPTestServer.start(tls: true, requireAuth: (user: "u", password: "secret"), authMechanisms: ["LOGIN"])) { server in
            try await SMTPTransport(url: server.url, tls: .startTLSWhenOffered(trustRoots: server.trustRoots)).send(sampleMessage())
            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.tls)
            #expect(received.user == "u")
        }
    }

    @Test func speaksImplicitTLSForSMTPS() async throws {
        try await withServer(SMTPTestServer.start(tls: true, implicitTLS: true)) { server in
            #expect(server.url.scheme == "smtps")
            try await SMTPTransport(url: server.url, tls: .startTLSWhenOffered(trustRoots: server.trustRoots)).send(sampleMessage())
            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.tls)
        }
    }

    @Test func checksTheCertificateByHostName() async throws {
        try await withServer(SMTPTestServer.start(tls: true)) { server in
            // server.url names 127.0.0.1, which the other tests check against the certificate's IP address.
            var components = try #require(URLComponents(url: server.url, resolvingAgainstBaseURL: false))
            components.host = "localhost"
            try await SMTPTransport(url: try #require(components.url), tls: .startTLSRequired(trustRoots: server.trustRoots)).send(sampleMessage())
            #expect(server.messages().count == 1)
        }
    }

    @Test func refusesACertificateForAnotherHost() async throws {
        try await withServer(SMTPTestServer.start(tls: true, certificateNames: ["mail.example.test"])) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPTransport(url: server.url, tls: .startTLSRequired(trustRoots: server.trustRoots)).send(sampleMessage())
            }
            #expect(error?.kind == .tls)
            #expect(server.messages().isEmpty)

            let lenient = SMTPTransport.TLS(policy: .required, trustRoots: server.trustRoots, verifiesHostname: false)
            try await SMTPTransport(url: server.url, tls: lenient).send(sampleMessage())
            #expect(server.messages().first?.tls == true)
        }
    }

    @Test func refusesACertificateItDoesNotTrust() async throws {
        try await withServer(SMTPTestServer.start(tls: true)) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPTransport(url: server.url, tls: .startTLSRequired()).send(sampleMessage())
            }
            #expect(error?.kind == .tls)
            #expect(server.messages().isEmpty)
        }
    }

    @Test func requiredTLSFailsPermanentlyWhenNotOffered() async throws {
        try await withServer(SMTPTestServer.start()) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPTransport(url: server.url, tls: .startTLSRequired()).send(sampleMessage())
            }
            #expect(error?.kind == .refused)
            #expect(error?.isPermanent == true)
            #expect(server.messages().isEmpty)
        }
    }

    @Test func fallsBackToHELO() async throws {
        try await withServer(SMTPTestServer.start(supportsEHLO: false)) { server in
            try await SMTPTransport(url: server.url).send(sampleMessage(text: dottedText))
            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.parsed?.text == dottedText)
        }
    }

    @Test func a451IsTransientAndTheRetrySucceeds() async throws {
        try await withServer(SMTPTestServer.start(failFirst: 1)) { server in
            let transport = try SMTPTransport(url: server.url)

            let error = await #expect(throws: SMTPError.self) { try await transport.send(sampleMessage()) }
            #expect(error?.code == 451)
            #expect(error?.command == "MAIL FROM")
            #expect(error?.isPermanent == false)
            #expect(server.messages().isEmpty)

            try await transport.send(sampleMessage())
            #expect(server.messages().count == 1)
        }
    }

    @Test func a550OnRCPTIsPermanent() async throws {
        try await withServer(SMTPTestServer.start(rejectRecipients: ["nobody@example.com"])) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPTransport(url: server.url).send(sampleMessage(to: ["b@example.com", "nobody@example.com"]))
            }
            #expect(error?.code == 550)
            #expect(error?.command == "RCPT TO")
            #expect(error?.isPermanent == true)
            #expect(server.messages().isEmpty, "no partial delivery")
        }
    }

    @Test func wrongCredentialsArePermanent() async throws {
        try await withServer(SMTPTestServer.start(requireAuth: (user: "u", password: "right"))) { server in
            var components = try #require(URLComponents(url: server.url, resolvingAgainstBaseURL: false))
            components.password = "wrong"
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPTransport(url: try #require(components.url)).send(sampleMessage())
            }
            #expect(error?.code == 535)
            #expect(error?.isPermanent == true)
            #expect(error.map { !"\($0)".contains("wrong") } == true, "the error does not carry the password")
        }
    }

    @Test func credentialsGoInPlainTextOnlyToLoopback() throws {
        func address(_ ip: String) throws -> SocketAddress { try SocketAddress(ipAddress: ip, port: 25) }
        #expect(!SMTPTransport.allowsCredentials(overTLS: false, peer: try address("192.0.2.10")))
        #expect(!SMTPTransport.allowsCredentials(overTLS: false, peer: try address("2001:db8::1")))
        #expect(!SMTPTransport.allowsCredentials(overTLS: false, peer: nil))
        #expect(SMTPTransport.allowsCredentials(overTLS: false, peer: try address("127.0.0.1")))
        #expect(SMTPTransport.allowsCredentials(overTLS: false, peer: try address("::1")))
        #expect(SMTPTransport.allowsCredentials(overTLS: true, peer: try address("192.0.2.10")))
    }

    @Test func plainLoopbackAuthenticationWorks() async throws {
        try await withServer(SMTPTestServer.start(requireAuth: (user: "local", password: "pw"))) { server in
            try await SMTPTransport(url: server.url).send(sampleMessage())
            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(10)).first)
            #expect(received.tls == false)
            #expect(received.user == "local")
        }
    }

    @Test func aSilentServerTimesOutTransiently() async throws {
        // Accepts connections and never says a word.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = try #require(silent.localAddress?.port)
        let transport = try SMTPTransport(url: try #require(URL(string: "smtp://127.0.0.1:\(port)")), timeout: .milliseconds(300))
        let error = await #expect(throws: SMTPError.self) { try await transport.send(sampleMessage()) }
        #expect(error?.kind == .timeout)
        #expect(error?.isPermanent == false)
    }

    @Test func aServerThatGreetsWith554AndHangsUpIsPermanent() async throws {
        let refusing = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RefuseService()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { refusing.close(promise: nil) }
        let port = try #require(refusing.localAddress?.port)
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPTransport(url: try #require(URL(string: "smtp://127.0.0.1:\(port)"))).send(sampleMessage())
        }
        #expect(error?.code == 554)
        #expect(error?.isPermanent == true)
    }

    @Test func aRefusedConnectionIsTransient() async throws {
        // A port that was just free: bind, note it, close.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPTransport(url: try #require(URL(string: "smtp://127.0.0.1:\(port)"))).send(sampleMessage())
        }
        #expect(error?.kind == .connection)
        #expect(error?.isPermanent == false)
    }

    @Test func rejectsBadURLsAndAddresses() async throws {
        #expect(throws: SMTPError.self) { try SMTPTransport(url: URL(string: "http://example.com")!) }
        #expect(throws: SMTPError.self) { try SMTPTransport(url: URL(string: "smtps://example.com")!, tls: .never) }
        let transport = try SMTPTransport(url: URL(string: "smtp://u:secret@mail.example.com")!)
        #expect(transport.port == 25)
        #expect(transport.description == "smtp://u@mail.example.com:25")
        #expect(try SMTPTransport(url: URL(string: "smtps://mail.example.com")!).port == 465)

        // Checked before any connection is made, so no server is needed.
        let error = await #expect(throws: SMTPError.self) {
            try await transport.send(sampleMessage(to: ["b@example.com>\r\nRCPT TO:<spy@example.com"]))
        }
        #expect(error?.kind == .refused)
    }
}

/// Greets with 554 and closes at once, as a server that will not serve this client does.
private final class RefuseService: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "554 5.7.1 No service for you\r\n")), promise: nil)
        context.close(promise: nil)
    }
}
