import Testing
@testable import VisibilityEngine

@Suite("Mentions, URLs and snippets")
struct MentionAndURLTests {
    @Test func longestBrandWinsSoAShorterBrandDoesNotFireInsideIt() {
        let analyzer = VisibilityAnalyzer(
            brand: BrandProfile(name: "Apple"), competitors: [BrandProfile(name: "Apple Music"), BrandProfile(name: "Spotify")])
        let inside = analyzer.analyze(AnalysisInput(answer: "Spotify and Apple Music lead streaming."))
        #expect(!inside.isMentioned)
        #expect(inside.competitorMentions == [CompetitorMention(name: "Spotify", position: 1), .init(name: "Apple Music", position: 2)])
        let alone = analyzer.analyze(AnalysisInput(answer: "Apple Music runs on Apple devices."))
        #expect(alone.mentionPosition == 2)
    }

    @Test(arguments: [
        ("Acme's new plan", true), ("ACME leads", true), ("the Acme-powered stack", true), ("(Acme)", true),
        ("Acmeville is a town", false), ("see acme.com", false), ("mail hi@acme.io", false),
        ("https://acme.com/acme", false), ("app.acme is a host", false), ("", false),
    ])
    func wholeWordMatching(_ answer: String, _ mentioned: Bool) {
        let analysis = VisibilityAnalyzer(brand: BrandProfile(name: "Acme")).analyze(AnalysisInput(answer: answer))
        #expect(analysis.isMentioned == mentioned)
    }

    @Test func multiWordBrandMatchesAcrossALineBreakAndExtraSpaces() {
        let analyzer = VisibilityAnalyzer(brand: BrandProfile(name: "Google Cloud"))
        #expect(analyzer.analyze(AnalysisInput(answer: "We moved to Google\nCloud last year.")).isMentioned)
        #expect(analyzer.analyze(AnalysisInput(answer: "We moved to Google   Cloud.")).isMentioned)
        #expect(!analyzer.analyze(AnalysisInput(answer: "We moved to Google Cloudflare.")).isMentioned)
    }

    @Test func urlsAreCleanedAndDeduplicated() {
        let answer = """
            Read [the guide](https://Docs.Acme.com/guide/?utm_source=chatgpt.com) and https://docs.acme.com/guide.
            Wikipedia: https://en.wikipedia.org/wiki/Acme_(company), also <https://acme.com:443/#top>.
            **https://acme.com/bold**; www.acme.com/x?a=1&utm_medium=ai&b=2!
            """
        let urls = VisibilityAnalyzer(brand: BrandProfile(name: "Acme")).analyze(AnalysisInput(answer: answer)).extractedURLs
        #expect(
            urls == [
                "https://docs.acme.com/guide", "https://en.wikipedia.org/wiki/Acme_(company)", "https://acme.com",
                "https://acme.com/bold", "https://www.acme.com/x?a=1&b=2",
            ])
    }

    @Test(arguments: [
        ("https://acme.com", "acme.com", true), ("https://eu.app.acme.com/x", "acme.com", true),
        ("https://www.acme.com", "https://www.acme.com/", true), ("https://notacme.com", "acme.com", false),
        ("https://acme.com.evil.io", "acme.com", false), ("not a url", "acme.com", false),
    ])
    func hostsBelongToBrandDomains(_ url: String, _ domain: String, _ belongs: Bool) {
        let host = URLNormalizer.host(of: url)
        let brandDomain = URLNormalizer.domain(from: domain)
        let matches = host.flatMap { host in brandDomain.map { URLNormalizer.host(host, belongsTo: $0) } } ?? false
        #expect(matches == belongs)
    }

    @Test func contextIsAboutAHundredSixtyCharactersEachSideCutOnWords() throws {
        let filler = (1...80).map { "word\($0)" }.joined(separator: " ")
        let answer = filler + " Acme is here. " + filler
        let context = try #require(
            VisibilityAnalyzer(brand: BrandProfile(name: "Acme")).analyze(AnalysisInput(answer: answer)).mentionContext)
        #expect(context.contains("Acme is here."))
        #expect(context.count <= 2 * 160 + "Acme".count)
        #expect(context.count >= 2 * 160 - 2 * "word80".count)
        let words = Set(answer.split(separator: " "))
        #expect(words.contains(context.split(separator: " ").first!))
        #expect(words.contains(context.split(separator: " ").last!))
    }
}
