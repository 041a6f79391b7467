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
        citations = try container.decodeIfPresent([CitationURL].self, forKey: .citations)?.compactMap(\.url) ?? []
        groundingURLs = try container.decodeIfPresent([String].self, forKey: .groundingURLs) ?? []
        followUpQuestions = try container.decodeIfPresent([String].self, forKey: .followUpQuestions) ?? []
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
    }
}

/// One citation as providers send it: a URL string (Perplexity's `citations`), or an object with
/// `url` and perhaps `title` (search results, annotations, our own stored form). An object without
/// a `url` string decodes to nil and is skipped; anything else is a decoding error.
struct CitationURL: Decodable, Sendable {
    let url: String?
    let title: String?

    private enum CodingKeys: String, CodingKey { case url, title }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let text = try? container.decode(String.self) {
            url = text
            title = nil
            return
        }
        let object = try decoder.container(keyedBy: CodingKeys.self)
        url = try? object.decodeIfPresent(String.self, forKey: .url)
        title = try? object.decodeIfPresent(String.self, forKey: .title)
    }
}
