import NIOCore
import NIOSSL

/// The client end of an SMTP connection inside the channel pipeline: writes command lines, splits
/// what comes back into replies, and hands those out one per request. All of it runs on the
/// channel's event loop; `SMTPConnection` is the async face of it.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A line longer than this is no SMTP reply (RFC 5321 allows 512 octets).
    private static let maximumLineLength = 16 * 1024

    private let timeout: TimeAmount
    private let eventLoop: any EventLoop
    /// Nil once the handler has left the pipeline, as it does when the connection closes.
    private var context: ChannelHandlerContext?
    private var buffer = ByteBuffer()
    private var parser = SMTPReplyParser()
    private var replies: [SMTPReply] = []
    private var waiting: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?
    private var failure: SMTPError?

    init(timeout: TimeAmount, eventLoop: any EventLoop) {
        (self.timeout, self.eventLoop) = (timeout, eventLoop)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(SMTPError(kind: .connection, text: "the connection is closed"))
        self.context = nil
    }

    /// Writes `line` (if any) and waits for the next reply: the greeting, when `line` is nil.
    func exchange(_ line: ByteBuffer?, command: String) -> EventLoopFuture<SMTPReply> {
        precondition(waiting == nil, "one SMTP command at a time")
        if let failure {
            // What the server said before the connection failed is the better answer: a server
            // that refuses service greets with 554 and hangs up.
            return replies.isEmpty ? eventLoop.makeFailedFuture(failure) : eventLoop.makeSucceededFuture(replies.removeFirst())
        }
        guard let context else { return eventLoop.makeFailedFuture(SMTPError(kind: .connection, text: "the connection is closed")) }
        if let line { context.writeAndFlush(wrapOutboundOut(line), promise: nil) }
        let promise = context.eventLoop.makePromise(of: SMTPReply.self)
        let limit = self.timeout
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) {
            self.fail(SMTPError(kind: .timeout, text: "no reply within \(limit)", command: command))
        }
        waiting = (promise, deadline)
        deliver()
        return promise.futureResult
    }

    /// Puts TLS in front of the connection after the server accepted STARTTLS. Anything the server
    /// sent after that reply arrived in plain text, so it would be trusted as if it came over TLS
    /// (the STARTTLS injection attack): refuse instead.
    func startTLS(context tlsContext: NIOSSLContext, serverHostname: String?) throws {
        if let failure { throw failure }
        guard let context else { throw SMTPError(kind: .connection, text: "the connection is closed") }
        guard buffer.readableBytes == 0, replies.isEmpty, parser.isEmpty else {
            throw SMTPError(kind: .connection, text: "the server sent data after accepting STARTTLS", command: "STARTTLS")
        }
        let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
        try context.pipeline.syncOperations.addHandler(tls, position: .first)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        do throws(SMTPError) {
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                var line = buffer.readString(length: length) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                if let reply = try parser.add(line: line) { replies.append(reply) }
            }
            guard buffer.readableBytes <= Self.maximumLineLength else {
                throw SMTPError(kind: .connection, text: "the server sent a line of more than \(Self.maximumLineLength) bytes")
            }
            buffer.discardReadBytes()
        } catch {
            fail(error)
            return
        }
        deliver()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let isTLS = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
        fail(SMTPError(kind: isTLS ? .tls : .connection, text: String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPError(kind: .connection, text: "the server closed the connection"))
        context.fireChannelInactive()
    }

    private func deliver() {
        guard let waiting, !replies.isEmpty else { return }
        self.waiting = nil
        waiting.timeout.cancel()
        waiting.promise.succeed(replies.removeFirst())
    }

    /// The first failure sticks: the waiting request and every later one get it, and the
    /// connection closes.
    private func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        if let waiting {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.fail(failure ?? error)
        }
        context?.close(promise: nil)
    }
}
