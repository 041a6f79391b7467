import Foundation
import PlatformCore
import TenantPlane
import VisibilityEngine

/// `LanguageModel` over the visibility engine's provider adapters: OpenAI Chat Completions (and any
/// server speaking it) or Gemini `generateContent`, with their retries, price table and usage.
struct ProviderLanguageModel: LanguageModel {
    let settings: AISettings
    let priceTable: PriceTable

    init(_ settings: AISettings, priceTable: PriceTable = .defaults) {
        self.settings = settings
        self.priceTable = priceTable
    }

    /// The configured model, or nil when `config.ai` names none.
    static func configured(_ settings: AISettings?) -> (any LanguageModel)? {
        settings.map { ProviderLanguageModel($0) }
    }

    /// A model's list price in the engine's default table (what `GET /visibility/providers` shows).
    @Sendable static func tokenPrice(_ model: String) -> TokenPrice? {
        PriceTable.defaults.price(forModel: model).map {
            TokenPrice(inputPerMillionTokens: $0.inputPerMillionTokens, outputPerMillionTokens: $0.outputPerMillionTokens)
        }
    }

    var provider: String { settings.provider.rawValue }
    var model: String { settings.model }

    private var retryPolicy: RetryPolicy {
        RetryPolicy(maximumAttempts: settings.maximumAttempts, requestTimeout: settings.requestTimeout)
    }

    func complete(_ prompt: LanguageModelPrompt) async throws(LanguageModelError) -> LanguageModelReply {
        let answer: ProviderAnswer
        do {
            switch settings.provider {
            case .openai:
                // The system prompt is its own message.
                answer = try await OpenAIChatProvider(
                    apiKey: settings.apiKey, model: settings.model, baseURL: settings.baseURL ?? OpenAIChatProvider.defaultBaseURL,
                    systemPrompt: prompt.system, priceTable: priceTable, retryPolicy: retryPolicy
                ).answer(prompt.user)
            case .gemini:
                // The adapter sends one user turn: the instructions lead it. No search grounding.
                answer = try await GeminiProvider(
                    apiKey: settings.apiKey, model: settings.model, baseURL: settings.baseURL ?? GeminiProvider.defaultBaseURL,
                    groundWithGoogleSearch: false, priceTable: priceTable, retryPolicy: retryPolicy
                ).answer(prompt.system + "\n\n" + prompt.user)
            }
        } catch {
            throw Self.translate(error)
        }
        return LanguageModelReply(text: answer.text, usage: LanguageModelUsage(
            inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens,
            latencyMilliseconds: answer.usage.latencyMilliseconds, model: answer.usage.model, costMicroUSD: answer.usage.costMicroUSD))
    }

    static func translate(_ error: ProviderError) -> LanguageModelError {
        switch error {
        case .missingAPIKey, .requestRejected: .rejected(error.description)
        case .unavailable, .timedOut, .transport: .unavailable(error.description)
        case .malformedResponse: .malformedResponse(error.description)
        }
    }
}
