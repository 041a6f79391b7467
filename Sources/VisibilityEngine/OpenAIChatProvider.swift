import AsyncHTTPClient
import Foundation

/// OpenAI Chat Completions, and any server speaking it (vLLM, Ollama, Perplexity's `citations`
/// and `related_questions`, OpenAI search models' `url_citation` annotations).
public struct OpenAIChatProvider: AnswerProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"
    public static let apiKeyVariable = "OPENAI_API_KEY"
    public static let baseURLVariable = "OPENAI_BASE_URL"

    public let providerName: String
    public let model: String
    public let baseURL: String
    public let systemPrompt: String?
    public let priceTable: PriceTable
    private let apiKey: String?
    private let transport: ProviderTransport

    public init(
        apiKey: String?, model: String, baseURL: String = OpenAIChatProvider.defaultBaseURL,
        systemPrompt: String? = nil, priceTable: PriceTable = .defaults, retryPolicy: RetryPolicy = RetryPolicy(),
        httpClient: HTTPClient = .shared, providerName: String = "openai"
    ) {
        self.apiKey = apiKey
        self.model = model
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.systemPrompt = systemPrompt
        self.priceTable = priceTable
        self.providerName = providerName
        transport = ProviderTransport(httpClient: httpClient, retryPolicy: retryPolicy)
    }

    public func answer(_ query: String) async throws(ProviderError) -> ProviderAnswer {
        guard let apiKey, !apiKey.isEmpty else { throw .missingAPIKey(variable: Self.apiKeyVariable) }
        var messages: [ChatRequest.Message] = []
        if let systemPrompt { messages.append(.init(role: "system", content: systemPrompt)) }
        messages.append(.init(role: "user", content: query))
        let body: Data
        do {
            body = try JSONEncoder().encode(ChatRequest(model: model, messages: messages))
        } catch {
            throw .transport("could not encode request: \(error)")
        }

        let started = ContinuousClock.now
        let response = try await transport.postJSON(
            url: baseURL + "/chat/completions", headers: [("Authorization", "Bearer \(apiKey)")], body: body)
        let latency = ProviderTransport.milliseconds(ContinuousClock.now - started)

        let completion: ChatResponse
        do {
            completion = try JSONDecoder().decode(ChatResponse.self, from: response.body)
        } catch {
            throw .malformedResponse("not a chat completion: \(error)")
        }
        guard let message = completion.choices.first?.message else {
            throw .malformedResponse("chat completion without choices")
        }
        let annotationURLs = (message.annotations ?? []).compactMap { $0.urlCitation?.url }
        let searchResultURLs = (completion.searchResults ?? []).compactMap(\.url)
        let citations = Self.unique((completion.citations ?? []).compactMap(\.url) + searchResultURLs + annotationURLs)
        let usedModel = completion.model ?? model
        let inputTokens = completion.usage?.promptTokens ?? 0
        let outputTokens = completion.usage?.completionTokens ?? 0
        return ProviderAnswer(
            text: message.content ?? "",
            citations: citations,
            followUpQuestions: completion.relatedQuestions ?? [],
            usage: ProviderUsage(
                inputTokens: inputTokens, outputTokens: outputTokens, latencyMilliseconds: latency, model: usedModel,
                requestID: response.headers.first(name: "x-request-id") ?? completion.id,
                costMicroUSD: priceTable.costMicroUSD(
                    model: usedModel, inputTokens: inputTokens, outputTokens: outputTokens),
                attempts: response.attempts))
    }

    private static func unique(_ urls: [String]) -> [String] {
        var seen = Set<String>()
        return urls.filter { seen.insert($0).inserted }
    }
}

private struct ChatRequest: Encodable {
    struct Message: Encodable {
        let role: String
        let content: String
    }

    let model: String
    let messages: [Message]
}

private struct ChatResponse: Decodable {
    struct Choice: Decodable {
        let message: Message
    }

    struct Message: Decodable {
        let content: String?
        let annotations: [Annotation]?
    }

    struct Annotation: Decodable {
        struct URLCitation: Decodable { let url: String }
        let urlCitation: URLCitation?

        enum CodingKeys: String, CodingKey {
            case urlCitation = "url_citation"
        }
    }

    struct Usage: Decodable {
        let promptTokens: Int?
        let completionTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
    }

    struct SearchResult: Decodable { let url: String? }

    let id: String?
    let model: String?
    let choices: [Choice]
    let usage: Usage?
    /// URL strings (Perplexity) or objects with a `url`.
    let citations: [CitationURL]?
    let searchResults: [SearchResult]?
    let relatedQuestions: [String]?

    enum CodingKeys: String, CodingKey {
        case id, model, choices, usage, citations
        case searchResults = "search_results"
        case relatedQuestions = "related_questions"
    }
}
