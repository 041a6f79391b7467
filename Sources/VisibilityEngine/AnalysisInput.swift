/// One assistant answer and what the provider returned alongside it.
public struct AnalysisInput: Codable, Hashable, Sendable {
    public var answer: String
    public var citations: [String]
    public var groundingURLs: [String]
    public var followUpQuestions: [String]
    /// BCP 47 tag such as `en`, `en-US` or `fr_FR`; nil means English.
    public var locale: String?

    public init(
        answer: String, citations: [String] = [], groundingURLs: [String] = [],
        followUpQuestions: [String] = [], locale: String? = nil
    ) {
        self.answer = answer
        self.citations = citations
        self.groundingURLs = groundingURLs
        self.followUpQuestions = followUpQuestions
        self.locale = locale
    }

    enum CodingKeys: String, CodingKey {
        case answer, citations, locale
        case groundingURLs = "grounding_urls"
        case followUpQuestions = "follow_up_questions"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        answer = try container.decode(String.self, forKey: .answer)
        citations = try container.decodeIfPresent([String].self, forKey: .citations) ?? []
        groundingURLs = try container.decodeIfPresent([String].self, forKey: .groundingURLs) ?? []
        followUpQuestions = try container.decodeIfPresent([String].self, forKey: .followUpQuestions) ?? []
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
    }
}
