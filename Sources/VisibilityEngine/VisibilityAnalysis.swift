/// How one brand appears in one answer. Field names follow `docs/visibility-score.md`.
public struct VisibilityAnalysis: Codable, Hashable, Sendable {
    public var isMentioned: Bool
    /// 1-based rank among all brands mentioned; nil when the brand is not mentioned.
    public var mentionPosition: Int?
    public var mentionContext: String?
    public var isCited: Bool
    public var isLinked: Bool
    public var extractedURLs: [String]
    public var sentiment: Sentiment
    /// In [-1, 1]; 0 when the brand is not mentioned or the locale has no lexicon.
    public var sentimentScore: Double
    public var brandInFollowUp: Bool
    public var competitorMentions: [CompetitorMention]
    public var visibilityScore: Int
    public var scoreBreakdown: ScoreBreakdown
    public var confidence: Double

    enum CodingKeys: String, CodingKey {
        case isMentioned = "is_mentioned"
        case mentionPosition = "mention_position"
        case mentionContext = "mention_context"
        case isCited = "is_cited"
        case isLinked = "is_linked"
        case extractedURLs = "extracted_urls"
        case sentiment
        case sentimentScore = "sentiment_score"
        case brandInFollowUp = "brand_in_follow_up"
        case competitorMentions = "competitor_mentions"
        case visibilityScore = "visibility_score"
        case scoreBreakdown = "score_breakdown"
        case confidence
    }
}

public enum Sentiment: String, Codable, Hashable, Sendable {
    case positive = "POSITIVE"
    case neutral = "NEUTRAL"
    case negative = "NEGATIVE"
}

public struct CompetitorMention: Codable, Hashable, Sendable {
    public var name: String
    public var position: Int

    public init(name: String, position: Int) {
        self.name = name
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case name, position
    }
}

/// Points per component; `total` equals `visibility_score`.
public struct ScoreBreakdown: Codable, Hashable, Sendable {
    public var mention: Int
    public var prominence: Int
    public var citation: Int
    public var link: Int
    public var tone: Int
    public var followUp: Int
    public var total: Int
    /// Explanations, e.g. that the locale has no sentiment lexicon.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case mention, prominence, citation, link, tone, total, notes
        case followUp = "follow_up"
    }
}
