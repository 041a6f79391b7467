import AsyncHTTPClient
import Foundation

/// Google Gemini `generateContent`, optionally grounded with Google Search.
public struct GeminiProvider: AnswerProvider {
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"
    public static let apiKeyVariable = "GEMINI_API_KEY"

    public let providerName = "gemini"
    public let model: String
    public let baseURL: String
    public let groundWithGoogleSearch: Bool
    public let priceTable: PriceTable
    private let apiKey: String?
    private let transport: ProviderTransport

    public init(
        apiKey: String?, model: String, baseURL: String = GeminiProvider.defaultBaseURL,
        groundWithGoogleSearch: Bool = true, priceTable: PriceTable = .defaults,
        retryPolicy: RetryPolicy = RetryPolicy(), httpClient: HTTPClient = .shared
    ) {
        self.apiKey = apiKey
        self.model = model
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.groundWithGoogleSearch = groundWithGoogleSearch
        self.priceTable = priceTable
        transport = ProviderTransport(httpClient: httpClient, retryPolicy: retryPolicy)
    }

    public func answer(_ query: String) async throws(ProviderError) -> ProviderAnswer {
        guard let apiKey, !apiKey.isEmpty else { throw .missingAPIKey(variable: Self.apiKeyVariable) }
        let request = GenerateRequest(
            contents: [.init(role: "user", parts: [.init(text: query)])],
            tools: groundWithGoogleSearch ? [.init(googleSearch: .init())] : nil)
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw .transport("could not encode request: \(error)")
        }

        let started = ContinuousClock.now
        let response = try await transport.postJSON(
            url: "\(baseURL)/models/\(model):generateContent", headers: [("x-goog-api-key", apiKey)], body: body)
        let latency = ProviderTransport.milliseconds(ContinuousClock.now - started)

        let generated: GenerateResponse
        do {
            generated = try JSONDecoder().decode(GenerateResponse.self, from: response.body)
        } catch {
            throw .malformedResponse("not a generateContent response: \(error)")
        }
        guard let candidate = generated.candidates?.first else {
            throw .malformedResponse("generateContent response without candidates")
        }
        let text = (candidate.content?.parts ?? []).compactMap(\.text).joined()
        let chunks = candidate.groundingMetadata?.groundingChunks ?? []
        let usedModel = generated.modelVersion ?? model
        let inputTokens = generated.usageMetadata?.promptTokenCount ?? 0
        let outputTokens = generated.usageMetadata?.candidatesTokenCount ?? 0
        return ProviderAnswer(
            text: text,
            groundingURLs: chunks.compactMap { $0.web.flatMap(Self.groundingURL) },
            usage: ProviderUsage(
                inputTokens: inputTokens, outputTokens: outputTokens, latencyMilliseconds: latency, model: usedModel,
                requestID: generated.responseId ?? response.headers.first(name: "x-request-id"),
                costMicroUSD: priceTable.costMicroUSD(
                    model: usedModel, inputTokens: inputTokens, outputTokens: outputTokens),
                attempts: response.attempts))
    }

    /// Grounding chunks point at opaque `vertexaisearch.cloud.google.com` redirects whose `title`
    /// is the source domain; the domain is what citation matching needs.
    static func groundingURL(_ web: GenerateResponse.Web) -> String? {
        guard let uri = web.uri else { return nil }
        let isRedirect = uri.contains("vertexaisearch.cloud.google.com/grounding-api-redirect")
        if isRedirect, let title = web.title, !title.contains(" "), title.contains(".") {
            return "https://" + title
        }
        return uri
    }
}

private struct GenerateRequest: Encodable {
    struct Content: Encodable {
        let role: String
        let parts: [Part]
    }

    struct Part: Encodable { let text: String }

    struct Tool: Encodable {
        struct GoogleSearch: Encodable {}
        let googleSearch: GoogleSearch

        enum CodingKeys: String, CodingKey {
            case googleSearch = "google_search"
        }
    }

    let contents: [Content]
    let tools: [Tool]?
}

struct GenerateResponse: Decodable {
    struct Candidate: Decodable {
        let content: Content?
        let groundingMetadata: GroundingMetadata?
    }

    struct Content: Decodable { let parts: [Part]? }
    struct Part: Decodable { let text: String? }
    struct GroundingMetadata: Decodable { let groundingChunks: [GroundingChunk]? }
    struct GroundingChunk: Decodable { let web: Web? }

    struct Web: Decodable {
        let uri: String?
        let title: String?
    }

    struct UsageMetadata: Decodable {
        let promptTokenCount: Int?
        let candidatesTokenCount: Int?
    }

    let candidates: [Candidate]?
    let usageMetadata: UsageMetadata?
    let modelVersion: String?
    let responseId: String?
}
