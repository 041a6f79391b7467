import Foundation
import VisibilityEngine

/// A provider runs can ask, as this deployment configures it: its name (`openai`, `gemini`,
/// `perplexity`), the model, what one item costs in credits, and the client that asks it.
public struct VisibilityProvider: Sendable {
    public let name: String
    public let model: String
    public let creditsPerItem: Int
    public let client: any AnswerProvider

    public init(name: String, model: String, creditsPerItem: Int, client: any AnswerProvider) {
        (self.name, self.model, self.creditsPerItem, self.client) = (name, model, creditsPerItem, client)
    }
}
