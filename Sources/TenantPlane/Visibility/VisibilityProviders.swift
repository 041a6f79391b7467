import Foundation
import PlatformCore

/// What a model costs per million tokens in micro-USD ($0.15 = 150_000), as the visibility
/// engine's price table has it; the composition root passes the lookup in (the tenant plane does
/// not import the engine).
public struct TokenPrice: Sendable, Equatable {
    public let inputPerMillionTokens: Int
    public let outputPerMillionTokens: Int

    public init(inputPerMillionTokens: Int, outputPerMillionTokens: Int) {
        self.inputPerMillionTokens = inputPerMillionTokens
        self.outputPerMillionTokens = outputPerMillionTokens
    }
}

/// One provider this deployment can ask (`GET /visibility/providers`): never its key or address.
struct VisibilityProviderInfo: APIModel {
    /// `openai`, `gemini` or `perplexity`.
    let name: String
    let model: String
    /// Credits one item (one query asked once of this provider) costs.
    let creditsPerItem: Int
    /// List price per million input tokens in micro-USD; nil when the price table does not know the model.
    let inputMicroUSDPerMillionTokens: Int?
    let outputMicroUSDPerMillionTokens: Int?

    enum CodingKeys: String, CodingKey {
        case name, model, creditsPerItem = "credits_per_item", inputMicroUSDPerMillionTokens = "input_micro_usd_per_million_tokens"
        case outputMicroUSDPerMillionTokens = "output_micro_usd_per_million_tokens"
    }

    init(_ provider: VisibilitySettings.Provider, price: TokenPrice?) {
        name = provider.name.rawValue
        model = provider.model
        creditsPerItem = provider.creditsPerItem
        inputMicroUSDPerMillionTokens = price?.inputPerMillionTokens
        outputMicroUSDPerMillionTokens = price?.outputPerMillionTokens
    }

    static let example = VisibilityProviderInfo(
        VisibilitySettings.Provider(name: .openai, apiKey: "sk-…"), price: TokenPrice(inputPerMillionTokens: 150_000, outputPerMillionTokens: 600_000))

    static func list(_ settings: VisibilitySettings, prices: @Sendable (String) -> TokenPrice?) -> ListResponse<VisibilityProviderInfo> {
        let items = settings.providers.map { VisibilityProviderInfo($0, price: prices($0.model)) }
        return ListResponse(items: items, total: items.count, page: Page(limit: Page.maximumLimit))
    }
}
