import Foundation
import Testing
@testable import VisibilityEngine

@Suite("Score formula")
struct ScoreFormulaTests {
    @Test(arguments: [(-1.0, 0), (-0.667, 2), (-0.5, 3), (-0.25, 4), (0.0, 5), (0.25, 6), (0.5, 8), (0.667, 8), (0.75, 9), (1.0, 10)])
    func toneIsFivePlusFiveTimesSentiment(_ sentiment: Double, _ points: Int) {
        #expect(VisibilityScore.tonePoints(sentiment) == points)
    }

    @Test(arguments: [(1, 20), (2, 15), (3, 10), (4, 5), (5, 0), (9, 0)])
    func prominenceLosesFivePerRank(_ rank: Int, _ points: Int) {
        let breakdown = VisibilityScore.breakdown(
            for: .init(mentionPosition: rank, isCited: false, isLinked: false, sentimentScore: 0, brandInFollowUp: false),
            notes: [])
        #expect(breakdown.prominence == points)
        #expect(breakdown.total == 35 + points + 5)
    }

    /// The worked examples of docs/visibility-score.md, end to end.
    @Test func workedExampleOne() {
        let analysis = VisibilityAnalyzer(
            brand: BrandProfile(name: "Acme", domains: ["acme.com"]),
            competitors: [BrandProfile(name: "Globex"), BrandProfile(name: "Initech")]
        ).analyze(
            AnalysisInput(
                answer: "1. **Globex** – the market leader.\n2. **Acme** – reliable and affordable ([acme.com](https://acme.com)).\n3. **Initech**",
                citations: ["https://www.acme.com/blog/guide"]))
        #expect(analysis.scoreBreakdown == ScoreBreakdown(
            mention: 35, prominence: 15, citation: 20, link: 10, tone: 8, followUp: 0, total: 88, notes: []))
        #expect(analysis.sentiment == .positive)
    }

    @Test func workedExampleTwo() {
        let analysis = VisibilityAnalyzer(
            brand: BrandProfile(name: "Acme", domains: ["acme.com"]),
            competitors: [BrandProfile(name: "Globex")]
        ).analyze(
            AnalysisInput(
                answer: "Globex is the best choice, while Acme is not recommended and slow.",
                followUpQuestions: ["Why is Acme slow?"]))
        #expect(analysis.scoreBreakdown.tone == 2)
        #expect(analysis.sentimentScore == -0.667)
        #expect(analysis.visibilityScore == 35 + 15 + 2 + 5)
    }

    @Test func workedExampleThree() {
        let analysis = VisibilityAnalyzer(brand: BrandProfile(name: "Acme", domains: ["acme.com"]))
            .analyze(AnalysisInput(answer: "Acme est une option fiable.", locale: "pt-BR"))
        #expect(analysis.sentiment == .neutral)
        #expect(analysis.visibilityScore == 35 + 20 + 5)
        #expect(analysis.scoreBreakdown.notes == ["no sentiment lexicon for locale 'pt-BR'; tone counted as neutral"])
        #expect(analysis.confidence == 0.8)
    }

    @Test func analysisEncodesWithSnakeCaseKeys() throws {
        let analysis = VisibilityAnalyzer(brand: BrandProfile(name: "Acme")).analyze(AnalysisInput(answer: "Acme"))
        let json = String(decoding: try JSONEncoder().encode(analysis), as: UTF8.self)
        for key in [
            "is_mentioned", "mention_position", "mention_context", "is_cited", "is_linked", "extracted_urls",
            "sentiment_score", "brand_in_follow_up", "competitor_mentions", "visibility_score", "score_breakdown",
            "follow_up", "\"NEUTRAL\"",
        ] {
            #expect(json.contains(key), "missing \(key)")
        }
    }
}
