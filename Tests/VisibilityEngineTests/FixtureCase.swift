import Foundation
import VisibilityEngine

/// One answer of the fixture corpus with the fields worked out by hand from the score formula.
struct FixtureCase: Decodable, Sendable, CustomStringConvertible {
    struct Expected: Decodable, Sendable {
        let isMentioned: Bool
        let mentionPosition: Int?
        let isCited: Bool
        let isLinked: Bool
        let sentiment: Sentiment
        let brandInFollowUp: Bool
        let competitorMentions: [CompetitorMention]
        let visibilityScore: Int
        let sentimentScore: Double?
        let tone: Int?
        let extractedURLs: [String]?
        let contextContains: String?
        let confidence: Double?
        let noteContains: String?

        enum CodingKeys: String, CodingKey {
            case isMentioned = "is_mentioned"
            case mentionPosition = "mention_position"
            case isCited = "is_cited"
            case isLinked = "is_linked"
            case sentiment
            case brandInFollowUp = "brand_in_follow_up"
            case competitorMentions = "competitor_mentions"
            case visibilityScore = "visibility_score"
            case sentimentScore = "sentiment_score"
            case tone
            case extractedURLs = "extracted_urls"
            case contextContains = "context_contains"
            case confidence
            case noteContains = "note_contains"
        }
    }

    let id: String
    let brand: BrandProfile
    let competitors: [BrandProfile]
    let input: AnalysisInput
    let expected: Expected

    var description: String { id }

    static let all: [FixtureCase] = {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        else { return [] }
        return files.filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .flatMap { file -> [FixtureCase] in
                guard let data = try? Data(contentsOf: file) else { return [] }
                return (try? JSONDecoder().decode([FixtureCase].self, from: data)) ?? []
            }
    }()
}
