import Foundation

/// The assistants AI-visibility runs ask in this deployment (docs/visibility.md): one entry per
/// provider that has an API key, with the model to ask and what an item (one query asked once of
/// one provider) costs in credits. Separate from `AISettings`, the CRM's single language model,
/// though both read the same `OPENAI_API_KEY` and `GEMINI_API_KEY`.
public struct VisibilitySettings: Sendable, Equatable {
    /// The providers the platform can talk to. `perplexity` speaks OpenAI Chat Completions.
    public enum ProviderName: String, Sendable, CaseIterable, Codable, Comparable {
        case openai, gemini, perplexity

        public static func < (lhs: ProviderName, rhs: ProviderName) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        /// Whether the provider speaks OpenAI Chat Completions (`OpenAIChatProvider`); else Gemini.
        public var isOpenAICompatible: Bool { self != .gemini }

        public var defaultModel: String {
            switch self {
            case .openai: "gpt-4o-mini"
            case .gemini: "gemini-2.5-flash"
            case .perplexity: "sonar"
            }
        }

        public var defaultBaseURL: String {
            switch self {
            case .openai: "https://api.openai.com/v1"
            case .gemini: "https://generativelanguage.googleapis.com/v1beta"
            case .perplexity: "https://api.perplexity.ai"
            }
        }

        /// `OPENAI`, `GEMINI`, `PERPLEXITY`: the prefix of its variables.
        var variablePrefix: String { rawValue.uppercased() }
    }

    public struct Provider: Sendable, Equatable {
        public var name: ProviderName
        public var model: String
        public var apiKey: String
        /// Where `/chat/completions` (or Gemini's `/models/…`) is appended.
        public var baseURL: String
        /// Credits one item costs: a run costs queries × providers × repetitions items, each priced
        /// by its provider.
        public var creditsPerItem: Int

        public init(name: ProviderName, model: String? = nil, apiKey: String, baseURL: String? = nil, creditsPerItem: Int = 1) {
            self.name = name
            self.model = model ?? name.defaultModel
            self.apiKey = apiKey
            self.baseURL = baseURL ?? name.defaultBaseURL
            self.creditsPerItem = creditsPerItem
        }
    }

    /// In `ProviderName` order, each name at most once.
    public var providers: [Provider]
    /// Attempts per provider call (429 and 5xx are retried with backoff).
    public var maximumAttempts: Int
    /// Per attempt.
    public var requestTimeout: Duration

    public init(providers: [Provider] = [], maximumAttempts: Int = 3, requestTimeout: Duration = .seconds(60)) {
        var seen = Set<ProviderName>()
        self.providers = providers.filter { seen.insert($0.name).inserted }.sorted { $0.name < $1.name }
        self.maximumAttempts = maximumAttempts
        self.requestTimeout = requestTimeout
    }

    /// The configured provider of that name, if any.
    public func provider(_ name: ProviderName) -> Provider? { providers.first { $0.name == name } }

    public func provider(named name: String) -> Provider? { ProviderName(rawValue: name).flatMap(provider) }

    public var isEmpty: Bool { providers.isEmpty }

    /// Every provider whose key is set (`OPENAI_API_KEY`, `GEMINI_API_KEY`, `PERPLEXITY_API_KEY`),
    /// unless `VISIBILITY_PROVIDERS` names some (comma-separated, or `none`; a named provider
    /// without its key is missing). Each with `VISIBILITY_<NAME>_MODEL`, `<NAME>_BASE_URL`, and
    /// `VISIBILITY_<NAME>_CREDITS_PER_ITEM` (default `VISIBILITY_CREDITS_PER_ITEM`, default 1).
    static func fromEnvironment(_ environment: [String: String], missing: inout [String]) throws -> VisibilitySettings {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func credits(_ name: String, _ fallback: Int) throws -> Int {
            guard let raw = value(name) else { return fallback }
            guard let number = Int(raw), number >= 0 else { throw ConfigError.invalid(name, "expected a whole number of credits (0 or more)") }
            return number
        }
        let names: [ProviderName]
        if let raw = value("VISIBILITY_PROVIDERS") {
            if raw.lowercased() == "none" {
                names = []
            } else {
                let words = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
                let unknown = words.filter { ProviderName(rawValue: $0) == nil }
                guard unknown.isEmpty else {
                    throw ConfigError.invalid("VISIBILITY_PROVIDERS", "unknown providers \(unknown.joined(separator: ", ")); expected openai, gemini, perplexity or none")
                }
                names = words.compactMap(ProviderName.init(rawValue:))
                for name in names where value("\(name.variablePrefix)_API_KEY") == nil { missing.append("\(name.variablePrefix)_API_KEY") }
            }
        } else {
            names = ProviderName.allCases.filter { value("\($0.variablePrefix)_API_KEY") != nil }
        }
        let basePrice = try credits("VISIBILITY_CREDITS_PER_ITEM", 1)
        var providers: [Provider] = []
        for name in names {
            guard let key = value("\(name.variablePrefix)_API_KEY") else { continue }
            providers.append(Provider(
                name: name, model: value("VISIBILITY_\(name.variablePrefix)_MODEL"), apiKey: key, baseURL: value("\(name.variablePrefix)_BASE_URL"),
                creditsPerItem: try credits("VISIBILITY_\(name.variablePrefix)_CREDITS_PER_ITEM", basePrice)))
        }
        return VisibilitySettings(providers: providers)
    }
}
