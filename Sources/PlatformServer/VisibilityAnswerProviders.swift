import PlatformCore
import VisibilityEngine

extension VisibilitySettings.Provider {
    /// The engine's adapter for this configured provider: OpenAI Chat Completions for `openai` and
    /// `perplexity` (any compatible server, the fake provider included), `generateContent` with
    /// Google Search grounding for `gemini`; `retryPolicy` from the settings' attempts and timeout.
    public func answerProvider(_ settings: VisibilitySettings, priceTable: PriceTable = .defaults) -> any AnswerProvider {
        let retryPolicy = RetryPolicy(maximumAttempts: settings.maximumAttempts, requestTimeout: settings.requestTimeout)
        switch name {
        case .openai, .perplexity:
            return OpenAIChatProvider(apiKey: apiKey, model: model, baseURL: baseURL, priceTable: priceTable, retryPolicy: retryPolicy, providerName: name.rawValue)
        case .gemini:
            return GeminiProvider(apiKey: apiKey, model: model, baseURL: baseURL, priceTable: priceTable, retryPolicy: retryPolicy)
        }
    }
}
