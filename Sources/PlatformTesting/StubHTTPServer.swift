import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 with an ephemeral port, answering from a closure that
/// receives the 0-based request number, so tests can script "429, then success". Tests of the
/// provider adapters and of the AI features point a provider's base URL at it.
public final class StubHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public let method: String
        public let uri: String
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: Data
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)] = []
        public var body: String
        public var delay: TimeAmount = .zero

        public init(status: Int, headers: [(String, String)] = [], body: String, delay: TimeAmount = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        public static func json(_ body: String, status: Int = 200, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
        }
    }

    public typealias Responder = @Sendable (_ requestNumber: Int, _ request: Request) -> Response

    private let lock = NSLock()
    private var recorded: [Request] = []
    private let responder: Responder
    private var channel: (any Channel)?

    private init(responder: @escaping Responder) {
        self.responder = responder
    }

    public static func start(_ responder: @escaping Responder) async throws -> StubHTTPServer {
        let server = StubHTTPServer(responder: responder)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.channel = channel
        return server
    }

    public var baseURL: String { "http://127.0.0.1:\(channel?.localAddress?.port ?? 0)" }

    public var requests: [Request] { lock.withLock { recorded } }

    public func shutdown() async throws {
        try await channel?.close()
    }

    fileprivate func respond(to request: Request) -> Response {
        let number = lock.withLock {
            recorded.append(request)
            return recorded.count - 1
        }
        return responder(number, request)
    }
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: StubHTTPServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(server: StubHTTPServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = StubHTTPServer.Request(
                method: head.method.rawValue, uri: head.uri, headers: headers, body: Data(body.readableBytesView))
            let response = server.respond(to: request)
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            if response.delay == .zero {
                Self.write(response, to: context)
            } else {
                context.eventLoop.scheduleTask(in: response.delay) { Self.write(response, to: boundContext.value) }
            }
        }
    }

    private static func write(_ response: StubHTTPServer.Response, to context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.add(name: "Content-Length", value: String(response.body.utf8.count))
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }
}
