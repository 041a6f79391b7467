/// Measures how one brand appears in an assistant's answer. Pure and reusable: build one per
/// brand and competitor set, then call `analyze` for each answer, from any thread.
public struct VisibilityAnalyzer: Sendable {
    public let brand: BrandProfile
    public let competitors: [BrandProfile]

    static let snippetRadius = 160
    private static let targetBrandIndex = 0

    private let matcher: MentionMatcher
    private let brandDomains: [String]
    private let brandNameHasCapital: Bool

    public init(brand: BrandProfile, competitors: [BrandProfile] = []) {
        self.brand = brand
        self.competitors = competitors
        matcher = MentionMatcher(brands: [brand] + competitors)
        brandDomains = brand.domains.compactMap(URLNormalizer.domain(from:))
        brandNameHasCapital = brand.name.unicodeScalars.contains { $0.properties.isUppercase }
    }

    public func analyze(_ input: AnalysisInput) -> VisibilityAnalysis {
        let text = FoldedText(input.answer)
        let urlSpans = URLExtractor.spans(in: text)
        let mentions = matcher.mentions(in: text, excluding: urlSpans)
        let positions = Self.positions(of: mentions, in: text, brandCount: competitors.count + 1)
        let brandMentions = mentions.filter { $0.brandIndex == Self.targetBrandIndex }
        let mentionPosition = positions[Self.targetBrandIndex]

        let extractedURLs = URLExtractor.normalizedURLs(in: text, spans: urlSpans)
        let isLinked = extractedURLs.contains(where: isBrandURL)
        let isCited = (input.citations + input.groundingURLs).contains(where: isBrandURL)
        let brandInFollowUp = input.followUpQuestions.contains { question in
            let folded = FoldedText(question)
            let spans = URLExtractor.spans(in: folded)
            return matcher.mentions(in: folded, excluding: spans).contains { $0.brandIndex == Self.targetBrandIndex }
        }

        var notes: [String] = []
        var sentiment = SentimentScorer.Result(sentiment: .neutral, score: 0)
        let lexicon = SentimentLexicon.forLocale(input.locale)
        if lexicon == nil {
            notes.append("no sentiment lexicon for locale '\(input.locale ?? "")'; tone counted as neutral")
        }
        if let lexicon, !brandMentions.isEmpty {
            sentiment = SentimentScorer(lexicon: lexicon).score(
                text, brandMentions: brandMentions, allMentions: mentions)
        }
        let breakdown = VisibilityScore.breakdown(
            for: .init(
                mentionPosition: mentionPosition, isCited: isCited, isLinked: isLinked,
                sentimentScore: sentiment.score, brandInFollowUp: brandInFollowUp),
            notes: notes)

        let competitorMentions = competitors.indices.compactMap { index -> CompetitorMention? in
            positions[index + 1].map { CompetitorMention(name: competitors[index].name, position: $0) }
        }.sorted { $0.position < $1.position }

        return VisibilityAnalysis(
            isMentioned: !brandMentions.isEmpty,
            mentionPosition: mentionPosition,
            mentionContext: brandMentions.first.map { ContextSnippet.around($0, in: text, radius: Self.snippetRadius) },
            isCited: isCited,
            isLinked: isLinked,
            extractedURLs: extractedURLs,
            sentiment: sentiment.sentiment,
            sentimentScore: sentiment.score,
            brandInFollowUp: brandInFollowUp,
            competitorMentions: competitorMentions,
            visibilityScore: breakdown.total,
            scoreBreakdown: breakdown,
            confidence: confidence(brandMentions: brandMentions, hasLexicon: lexicon != nil))
    }

    private func isBrandURL(_ url: String) -> Bool {
        guard let host = URLNormalizer.host(of: url) else { return false }
        return brandDomains.contains { URLNormalizer.host(host, belongsTo: $0) }
    }

    /// 1 minus: 0.3 when every match is lower-case although the name is capitalised
    /// ("notion" may be the common noun), 0.2 when the brand is mentioned but tone could not be read.
    private func confidence(brandMentions: [MentionMatcher.Mention], hasLexicon: Bool) -> Double {
        guard !brandMentions.isEmpty else { return 1 }
        var confidence = 1.0
        if brandNameHasCapital, brandMentions.allSatisfy(\.isAllLowercase) { confidence -= 0.3 }
        if !hasLexicon { confidence -= 0.2 }
        return (confidence * 100).rounded() / 100
    }

    /// Rank of every brand (nil when absent). Brands first seen in a numbered list item or table
    /// row rank by that item's order; other brands follow in order of first appearance.
    static func positions(of mentions: [MentionMatcher.Mention], in text: FoldedText, brandCount: Int) -> [Int?] {
        guard !mentions.isEmpty else { return Array(repeating: nil, count: brandCount) }
        let ranking = MarkdownRanking(text)
        var keys = [(ranked: Int, item: Int, offset: Int)?](repeating: nil, count: brandCount)
        for mention in mentions {
            let item = ranking.itemIndex(containing: mention.start)
            switch (keys[mention.brandIndex], item) {
            case (nil, _):
                keys[mention.brandIndex] = item.map { (0, $0, mention.start) } ?? (1, 0, mention.start)
            case (let existing?, let item?) where existing.ranked == 1:
                keys[mention.brandIndex] = (0, item, mention.start)  // first seen in prose, later ranked
            default:
                break
            }
        }
        let order = keys.indices.filter { keys[$0] != nil }.sorted { lhs, rhs in
            let left = keys[lhs]!
            let right = keys[rhs]!
            return (left.ranked, left.item, left.offset) < (right.ranked, right.item, right.offset)
        }
        var positions = [Int?](repeating: nil, count: brandCount)
        for (rank, brandIndex) in order.enumerated() { positions[brandIndex] = rank + 1 }
        return positions
    }
}
