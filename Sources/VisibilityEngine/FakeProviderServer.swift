import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A local stand-in for an assistant, speaking OpenAI Chat Completions (`POST /v1/chat/completions`,
/// also `/chat/completions`): `platform visibility fake-provider` serves it, and tests start it
/// in-process on port 0. Each answer depends only on the question (`FakeAnswers`), mentions the
/// configured brands in varying positions (or not at all), cites URLs (as Perplexity's `citations`
/// strings or as `url_citation` annotations) and reports `usage`. With `failEvery` N, every Nth
/// request answers `failureStatus` (429 with `Retry-After: 1` by default) so retries can be tried.
public final class FakeProviderServer: @unchecked Sendable {
    public struct Configuration: Sendable, Equatable {
        public var brands: [String]
        /// Added before each answer is written.
        public var delay: Duration
        /// Every Nth request (1-based: N, 2N, …) fails; nil never.
        public var failEvery: Int?
        /// 429 (with `Retry-After: 1`) or a 5xx.
        public var failureStatus: Int
        /// The model reported when the request names none.
        public var defaultModel: String

        public init(brands: [String] = ["Acme", "Globex", "Initech"], delay: Duration = .zero, failEvery: Int? = nil, failureStatus: Int = 429,
                    defaultModel: String = "fake-model") {
            self.brands = brands
            self.delay = delay
            self.failEvery = failEvery.flatMap { $0 > 0 ? $0 : nil }
            self.failureStatus = failureStatus
            self.defaultModel = defaultModel
        }
    }

    public let configuration: Configuration
    private let channel: any Channel
    private let counter: RequestCounter

    private init(configuration: Configuration, channel: any Channel, counter: RequestCounter) {
        self.configuration = configuration
        self.channel = channel
        self.counter = counter
    }

    /// Listens on `host:port` (port 0: any free one; read `port`).
    public static func start(host: String = "127.0.0.1", port: Int = 0, configuration: Configuration = Configuration()) async throws -> FakeProviderServer {
        let counter = RequestCounter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeProviderHandler(configuration: configuration, counter: counter))
                }
            }
            .bind(host: host, port: port).get()
        return FakeProviderServer(configuration: configuration, channel: channel, counter: counter)
    }

    public var port: Int { channel.localAddress?.port ?? 0 }

    /// What `OPENAI_BASE_URL` (or `OpenAIChatProvider.baseURL`) should be: `http://host:port/v1`.
    public var baseURL: String { "http://\(channel.localAddress?.ipAddress ?? "127.0.0.1"):\(port)/v1" }

    /// Chat-completion requests received so far, failed ones included.
    public var requestCount: Int { counter.value }

    /// Resolves when the server has stopped.
    public func waitUntilClosed() async throws { try await channel.closeFuture.get() }

    public func shutdown() async throws { try await channel.close() }
}

/// The deterministic answers: a function of the question's text (trimmed, case-folded) alone.
public enum FakeAnswers {
    public struct Answer: Sendable, Equatable {
        public let text: String
        /// The brands in the order the text mentions them (a subset of the configured ones).
        public let mentioned: [String]
        public let citations: [String]
        /// Citations as `url_citation` annotations rather than Perplexity's top-level strings.
        public let citationsAsAnnotations: Bool
        public let relatedQuestions: [String]
    }

    /// FNV-1a 64 of the normalised question: stable across processes and platforms.
    public static func hash(_ question: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in normalised(question).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Trimmed and lower-cased: what the answer is a function of.
    static func normalised(_ question: String) -> String { question.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    public static func answer(to question: String, brands: [String]) -> Answer {
        let hash = Self.hash(question)
        let topic = normalised(question).trimmingCharacters(in: CharacterSet(charactersIn: "?.!"))
        // A rotation and a mask of the brands: each answer names some of them, in its own order.
        let rotation = brands.isEmpty ? 0 : Int(hash % UInt64(brands.count))
        let rotated = Array(brands[rotation...] + brands[..<rotation])
        let mask = hash >> 16
        var mentioned = rotated.enumerated().filter { index, _ in (mask >> UInt64(index % 48)) & 3 != 0 }.map(\.element)
        if hash % 7 == 0 { mentioned = [] }
        let template = Int((hash >> 8) % 4)
        var text: String
        if mentioned.isEmpty {
            text = "There is no single answer to \"\(topic)\". It depends on your budget, your team's size and the integrations you need. "
            text += "Compare a few options on a trial before committing."
        } else if template == 0 {
            var lines: [String] = []
            for (index, brand) in mentioned.enumerated() {
                lines.append("\(index + 1). **\(brand)**: \(praise(hash, index)) (https://www.\(slug(brand)).com)")
            }
            text = "Here are the options most often recommended for \"\(topic)\":\n\n" + lines.joined(separator: "\n")
            text += "\n\nEach offers a free trial."
        } else if template == 1 {
            var rows: [String] = []
            for (index, brand) in mentioned.enumerated() { rows.append("| \(brand) | \(praise(hash, index)) |") }
            text = "| Product | Strength |\n| --- | --- |\n" + rows.joined(separator: "\n")
            text += "\n\nFor \"\(topic)\", start with the first row."
        } else if template == 2 {
            let others = mentioned.dropFirst().joined(separator: ", ")
            text = "For \"\(topic)\", \(mentioned[0]) is a reliable choice and widely recommended."
            if !others.isEmpty { text += " Alternatives include \(others), though some users find them expensive." }
        } else if mentioned.count == 1 {
            text = "Teams asking about \"\(topic)\" usually end up with \(mentioned[0]), praised for its support and \(praise(hash, 0))."
        } else {
            let list = mentioned.joined(separator: mentioned.count == 2 ? " and " : ", ")
            text = "Teams asking about \"\(topic)\" usually shortlist \(list). "
            text += "\(mentioned[mentioned.count - 1]) is praised for support; \(mentioned[0]) is criticised as slow by some reviewers."
        }
        let citations = mentioned.prefix(2).map { "https://www.\(slug($0)).com/" } + ["https://reviews.example.com/\(slug(topic))"]
        let related = ["What does \(mentioned.first ?? "each option") cost?", "How long does setup take?"]
        return Answer(text: text, mentioned: mentioned, citations: citations, citationsAsAnnotations: (hash >> 40) & 1 == 1, relatedQuestions: related)
    }

    static func praise(_ hash: UInt64, _ index: Int) -> String {
        let phrases = ["great for small teams", "reliable and well documented", "best value for money", "flexible but takes setup", "strong integrations"]
        return phrases[Int((hash >> UInt64(3 * index % 60)) % UInt64(phrases.count))]
    }

    static func slug(_ text: String) -> String {
        let folded = text.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        return folded.split(separator: "-").prefix(8).joined(separator: "-")
    }

    /// About four characters a token, at least one.
    static func tokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    /// The chat-completion JSON for `question` (`model` as asked).
    static func completion(question: String, prompt: String, model: String, brands: [String]) -> String {
        let answer = answer(to: question, brands: brands)
        let id = String(Self.hash(question), radix: 16)
        let (promptTokens, answerTokens) = (tokens(prompt), tokens(answer.text))
        var message: [String: Any] = ["role": "assistant", "content": answer.text]
        var body: [String: Any] = [
            "id": "fake-\(id)", "object": "chat.completion", "created": 1_767_225_600, "model": model,
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": answerTokens, "total_tokens": promptTokens + answerTokens],
            "related_questions": answer.relatedQuestions,
        ]
        if answer.citationsAsAnnotations {
            message["annotations"] = answer.citations.map { url -> [String: Any] in
                ["type": "url_citation", "url_citation": ["url": url, "title": URLComponents(string: url)?.host ?? url] as [String: Any]]
            }
        } else {
            body["citations"] = answer.citations
        }
        body["choices"] = [["index": 0, "message": message, "finish_reason": "stop"] as [String: Any]]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

private final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func next() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
}

private final class FakeProviderHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let configuration: FakeProviderServer.Configuration
    private let counter: RequestCounter
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(configuration: FakeProviderServer.Configuration, counter: RequestCounter) {
        self.configuration = configuration
        self.counter = counter
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
            let (status, headers, text) = respond(head, Data(body.readableBytesView))
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let keepAlive = head.isKeepAlive
            if configuration.delay == .zero {
                Self.write(status, headers, text, keepAlive: keepAlive, to: context)
            } else {
                let (seconds, attoseconds) = configuration.delay.components
                context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                    Self.write(status, headers, text, keepAlive: keepAlive, to: bound.value)
                }
            }
        }
    }

    private func respond(_ head: HTTPRequestHead, _ body: Data) -> (Int, [(String, String)], String) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        guard head.method == .POST, path == "/v1/chat/completions" || path == "/chat/completions" else {
            return (404, [], #"{"error":{"message":"Only POST /v1/chat/completions is served here.","type":"invalid_request_error"}}"#)
        }
        let number = counter.next()
        if let every = configuration.failEvery, number % every == 0 {
            let retry: [(String, String)] = configuration.failureStatus == 429 ? [("Retry-After", "1")] : []
            return (configuration.failureStatus, retry,
                    #"{"error":{"message":"Fake failure: request \#(number) (one in every \#(every) fails).","type":"rate_limit_exceeded"}}"#)
        }
        guard let request = try? JSONDecoder().decode(ChatRequest.self, from: body), let question = request.messages.last(where: { $0.role == "user" })?.content
        else {
            return (400, [], #"{"error":{"message":"Expected {model, messages: [{role, content}]} with a user message.","type":"invalid_request_error"}}"#)
        }
        let prompt = request.messages.compactMap(\.content).joined(separator: "\n")
        let model = request.model.flatMap { $0.isEmpty ? nil : $0 } ?? configuration.defaultModel
        return (200, [("x-request-id", "fake-\(number)")],
                FakeAnswers.completion(question: question, prompt: prompt, model: model, brands: configuration.brands))
    }

    private static func write(_ status: Int, _ headers: [(String, String)], _ text: String, keepAlive: Bool, to context: ChannelHandlerContext) {
        var fields = HTTPHeaders([("Content-Type", "application/json")] + headers)
        fields.add(name: "Content-Length", value: String(text.utf8.count))
        if !keepAlive { fields.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    private struct ChatRequest: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String?

            private enum CodingKeys: String, CodingKey { case role, content }

            /// `content` as a string, or as parts (`[{type: text, text}]`) joined.
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                role = try container.decode(String.self, forKey: .role)
                if let text = try? container.decodeIfPresent(String.self, forKey: .content) {
                    content = text
                } else if let parts = try? container.decodeIfPresent([Part].self, forKey: .content) {
                    content = parts.compactMap(\.text).joined(separator: "\n")
                } else {
                    content = nil
                }
            }
        }

        struct Part: Decodable { let text: String? }

        let model: String?
        let messages: [Message]
    }
}
