import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// An open SMTP connection, for async code: each call hops to the channel's event loop and asks
/// the `SMTPClientHandler` there.
struct SMTPConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientHandler>
    private let logger: Logger

    /// Connects, with TLS from the first byte when `implicitTLS` is given (smtps).
    static func connect(
        host: String, port: Int, group: any EventLoopGroup, timeout: TimeAmount,
        implicitTLS: NIOSSLContext?, serverHostname: String?, logger: Logger
    ) async throws(SMTPError) -> SMTPConnection {
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout)
        do {
            // The handler comes back from the initializer: looking it up in the pipeline later
            // would miss it when the server has already hung up (after a 554 greeting, say).
            let (channel, handler) = try await bootstrap.connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    let handler = SMTPClientHandler(timeout: timeout, eventLoop: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            return SMTPConnection(channel: channel, handler: handler, logger: logger)
        } catch ChannelError.connectTimeout {
            throw SMTPError(kind: .timeout, text: "could not connect to \(host):\(port) within \(timeout)")
        } catch {
            throw SMTPError(kind: .connection, text: "could not connect to \(host):\(port): \(error)")
        }
    }

    /// Sends `line` plus CRLF (nothing, for the greeting) and returns the reply. `command` names
    /// the command in logs and errors, without arguments, so credentials never reach either.
    func exchange(_ line: String?, command: String) async throws(SMTPError) -> SMTPReply {
        var buffer: ByteBuffer?
        if let line { buffer = ByteBuffer(string: line + "\r\n") }
        return try await exchange(buffer, command: command)
    }

    func exchange(_ bytes: ByteBuffer?, command: String) async throws(SMTPError) -> SMTPReply {
        logger.trace("SMTP command", metadata: ["command": "\(command)"])
        let handler = self.handler
        do {
            let reply = try await channel.eventLoop.flatSubmit { handler.value.exchange(bytes, command: command) }.get()
            logger.trace("SMTP reply", metadata: ["command": "\(command)", "code": "\(reply.code)"])
            return reply
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(kind: .connection, text: String(describing: error), command: command)
        }
    }

    /// Sends the command and insists on one of `codes` in reply.
    @discardableResult
    func expect(_ codes: Set<Int>, after line: String?, command: String) async throws(SMTPError) -> SMTPReply {
        try await expect(codes, afterSending: line.map { ByteBuffer(string: $0 + "\r\n") }, command: command)
    }

    @discardableResult
    func expect(_ codes: Set<Int>, afterSending bytes: ByteBuffer?, command: String) async throws(SMTPError) -> SMTPReply {
        let reply = try await exchange(bytes, command: command)
        guard codes.contains(reply.code) else {
            throw SMTPError(kind: .reply, code: reply.code, text: reply.text, command: command)
        }
        return reply
    }

    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        let handler = self.handler
        do {
            try await channel.eventLoop.submit {
                try handler.value.startTLS(context: context, serverHostname: serverHostname)
            }.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(kind: .tls, text: String(describing: error), command: "STARTTLS")
        }
    }

    func close() async {
        try? await channel.close()
    }
}
