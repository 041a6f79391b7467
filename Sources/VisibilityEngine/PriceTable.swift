/// Prices per million tokens in integer micro-USD ($2.50 / 1M tokens = 2_500_000).
public struct PriceTable: Codable, Hashable, Sendable {
    public struct Price: Codable, Hashable, Sendable {
        public var inputPerMillionTokens: Int
        public var outputPerMillionTokens: Int

        public init(inputPerMillionTokens: Int, outputPerMillionTokens: Int) {
            self.inputPerMillionTokens = inputPerMillionTokens
            self.outputPerMillionTokens = outputPerMillionTokens
        }

        enum CodingKeys: String, CodingKey {
            case inputPerMillionTokens = "input_per_million_tokens"
            case outputPerMillionTokens = "output_per_million_tokens"
        }
    }

    public var prices: [String: Price]

    public init(_ prices: [String: Price]) {
        self.prices = prices
    }

    /// Exact model name first, then the longest configured prefix, so a dated snapshot such
    /// as `gpt-4o-2024-08-06` is priced as `gpt-4o`.
    public func price(forModel model: String) -> Price? {
        if let exact = prices[model] { return exact }
        return prices.filter { model.hasPrefix($0.key) }.max { $0.key.count < $1.key.count }?.value
    }

    /// Rounded half up to a whole micro-dollar.
    public func costMicroUSD(model: String, inputTokens: Int, outputTokens: Int) -> Int? {
        guard let price = price(forModel: model) else { return nil }
        let scaled = inputTokens * price.inputPerMillionTokens + outputTokens * price.outputPerMillionTokens
        return (scaled + 500_000) / 1_000_000
    }

    /// List prices at the time of writing; override per deployment.
    public static let defaults = PriceTable([
        "gpt-4o-mini": Price(inputPerMillionTokens: 150_000, outputPerMillionTokens: 600_000),
        "gpt-4o": Price(inputPerMillionTokens: 2_500_000, outputPerMillionTokens: 10_000_000),
        "gpt-4.1-mini": Price(inputPerMillionTokens: 400_000, outputPerMillionTokens: 1_600_000),
        "gpt-4.1": Price(inputPerMillionTokens: 2_000_000, outputPerMillionTokens: 8_000_000),
        "sonar": Price(inputPerMillionTokens: 1_000_000, outputPerMillionTokens: 1_000_000),
        "gemini-2.5-flash": Price(inputPerMillionTokens: 300_000, outputPerMillionTokens: 2_500_000),
        "gemini-2.5-pro": Price(inputPerMillionTokens: 1_250_000, outputPerMillionTokens: 10_000_000),
    ])
}
