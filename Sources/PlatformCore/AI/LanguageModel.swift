import Foundation

/// A language model behind one provider: a system prompt and a user prompt in, text and what the
/// call cost out. The composition root picks the implementation (OpenAI-compatible or Gemini,
/// from `PlatformConfig.ai`); tenant handlers never call it directly but through
/// `MeteredLanguageModel`, which records every call in the workspace's `ai_calls`.
public protocol LanguageModel: Sendable {
    /// `openai`, `gemini`: recorded with each call.
    var provider: String { get }
    /// The model asked for (a reply's usage names the one that answered).
    var model: String { get }
    func complete(_ prompt: LanguageModelPrompt) async throws(LanguageModelError) -> LanguageModelReply
}

public struct LanguageModelPrompt: Sendable, Equatable {
    /// The instructions: the role, the task, the output format.
    public var system: String
    /// The material: what to summarise, analyse or draft from.
    public var user: String

    public init(system: String, user: String) {
        self.system = system
        self.user = user
    }
}

public struct LanguageModelReply: Sendable, Equatable {
    public var text: String
    public var usage: LanguageModelUsage

    public init(text: String, usage: LanguageModelUsage) {
        self.text = text
        self.usage = usage
    }
}

/// What one call cost.
public struct LanguageModelUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// Wall time of the whole call, retries included.
    public var latencyMilliseconds: Int
    /// The model the provider says answered.
    public var model: String
    /// Nil when the price table does not know the model.
    public var costMicroUSD: Int?

    public init(inputTokens: Int, outputTokens: Int, latencyMilliseconds: Int, model: String, costMicroUSD: Int?) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.model = model
        self.costMicroUSD = costMicroUSD
    }
}

/// Why a call gave no usable reply.
public enum LanguageModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused the request (bad key, bad model, bad request): retrying will not help.
    case rejected(String)
    /// Rate-limited, failing, timing out or unreachable, after the adapter's retries.
    case unavailable(String)
    /// The provider answered something that is not its own wire format.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .rejected(let detail): "the provider refused the request: \(detail)"
        case .unavailable(let detail): "the provider is unavailable: \(detail)"
        case .malformedResponse(let detail): "the provider's response is malformed: \(detail)"
        }
    }
}
