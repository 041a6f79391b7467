import Testing
import VisibilityEngine

@Suite("Fixture corpus")
struct FixtureCorpusTests {
    @Test func corpusHasAtLeastFortyAnswersWithUniqueIDs() {
        #expect(FixtureCase.all.count >= 40)
        #expect(Set(FixtureCase.all.map(\.id)).count == FixtureCase.all.count)
    }

    @Test(arguments: FixtureCase.all)
    func engineMatchesExpectedFields(_ fixture: FixtureCase) {
        let analysis = VisibilityAnalyzer(brand: fixture.brand, competitors: fixture.competitors)
            .analyze(fixture.input)
        let expected = fixture.expected
        #expect(analysis.isMentioned == expected.isMentioned)
        #expect(analysis.mentionPosition == expected.mentionPosition)
        #expect(analysis.isCited == expected.isCited)
        #expect(analysis.isLinked == expected.isLinked)
        #expect(analysis.sentiment == expected.sentiment)
        #expect(analysis.brandInFollowUp == expected.brandInFollowUp)
        #expect(analysis.competitorMentions == expected.competitorMentions)
        #expect(analysis.visibilityScore == expected.visibilityScore)
        #expect(analysis.scoreBreakdown.total == analysis.visibilityScore)
        #expect((analysis.mentionContext != nil) == expected.isMentioned)
        if let sentimentScore = expected.sentimentScore {
            #expect(abs(analysis.sentimentScore - sentimentScore) < 0.001)
        }
        if let tone = expected.tone { #expect(analysis.scoreBreakdown.tone == tone) }
        if let urls = expected.extractedURLs { #expect(analysis.extractedURLs == urls) }
        if let fragment = expected.contextContains {
            #expect(analysis.mentionContext?.contains(fragment) == true)
        }
        if let confidence = expected.confidence { #expect(abs(analysis.confidence - confidence) < 0.001) }
        if let note = expected.noteContains {
            #expect(analysis.scoreBreakdown.notes.contains { $0.contains(note) })
        }
    }
}
