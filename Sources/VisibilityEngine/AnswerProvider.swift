/// An AI assistant that answers a query.
public protocol AnswerProvider: Sendable {
    /// Short identifier such as `openai` or `gemini`.
    var providerName: String { get }
    func answer(_ query: String) async throws(ProviderError) -> ProviderAnswer
}

/// What an assistant answered, with everything needed for analysis and metering.
public struct ProviderAnswer: Codable, Hashable, Sendable {
    public var text: String
    public var citations: [String]
    public var groundingURLs: [String]
    public var followUpQuestions: [String]
    public var usage: ProviderUsage

    public init(
        text: String, citations: [String] = [], groundingURLs: [String] = [], followUpQuestions: [String] = [],
        usage: ProviderUsage
    ) {
        self.text = text
        self.citations = citations
        self.groundingURLs = groundingURLs
        self.followUpQuestions = followUpQuestions
        self.usage = usage
    }

    public func analysisInput(locale: String? = nil) -> AnalysisInput {
        AnalysisInput(
            answer: text, citations: citations, groundingURLs: groundingURLs,
            followUpQuestions: followUpQuestions, locale: locale)
    }

    enum CodingKeys: String, CodingKey {
        case text = "answer"
        case citations, usage
        case groundingURLs = "grounding_urls"
        case followUpQuestions = "follow_up_questions"
    }
}

public struct ProviderUsage: Codable, Hashable, Sendable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// Wall time of the whole call, retries and backoff included.
    public var latencyMilliseconds: Int
    /// The model the provider reports having used, which may differ from the one requested.
    public var model: String
    public var requestID: String?
    /// nil when the price table has no entry for `model`.
    public var costMicroUSD: Int?
    public var attempts: Int

    public init(
        inputTokens: Int, outputTokens: Int, latencyMilliseconds: Int, model: String, requestID: String?,
        costMicroUSD: Int?, attempts: Int
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.model = model
        self.requestID = requestID
        self.costMicroUSD = costMicroUSD
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case model, attempts
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case latencyMilliseconds = "latency_ms"
        case requestID = "request_id"
        case costMicroUSD = "cost_micro_usd"
    }
}
