import Testing
@testable import VisibilityEngine

/// Randomised checks over seeded, reproducible inputs.
@Suite("Score properties")
struct PropertyTests {
    static let brand = BrandProfile(name: "Acme", aliases: ["Acme Cloud"], domains: ["acme.com"])
    static let competitors = [BrandProfile(name: "Globex"), BrandProfile(name: "Initech"), BrandProfile(name: "Umbrella")]
    static let analyzer = VisibilityAnalyzer(brand: brand, competitors: competitors)

    static let vocabulary = [
        "Acme", "acme's", "Globex", "Initech", "Umbrella", "Acme Cloud", "great", "not", "isn't", "recommended",
        "slow", "expensive", "reliable", "best", "but", "while", "the", "tool", "is", "for", "teams", ",", ".", ";",
        "\n", "\n1.", "\n2.", "\n3.", "\n- ", "| ", " |", "**", "https://acme.com/p", "https://globex.io/x)",
        "[Acme](https://www.acme.com)", "acme.com", "Applebee's", "notional", "Acmeville", "é", "😀", "日本",
    ]

    static func randomAnswer(_ generator: inout SplitMix64) -> String {
        let length = Int.random(in: 0...60, using: &generator)
        return (0..<length).map { _ in vocabulary.randomElement(using: &generator)! }.joined(separator: " ")
    }

    static func randomInput(_ generator: inout SplitMix64) -> AnalysisInput {
        AnalysisInput(
            answer: randomAnswer(&generator),
            citations: Bool.random(using: &generator) ? ["https://docs.acme.com/a"] : ["https://globex.io"],
            followUpQuestions: Bool.random(using: &generator) ? ["Is Acme any good?"] : [],
            locale: ["en", "fr", "ja", nil].randomElement(using: &generator)!)
    }

    @Test func scoreStaysWithinZeroToHundredAndMatchesBreakdown() {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<1_000 {
            let analysis = Self.analyzer.analyze(Self.randomInput(&generator))
            #expect((0...100).contains(analysis.visibilityScore))
            #expect((-1...1).contains(analysis.sentimentScore))
            #expect((0...1).contains(analysis.confidence))
            let parts = analysis.scoreBreakdown
            #expect(parts.mention + parts.prominence + parts.citation + parts.link + parts.tone + parts.followUp
                == analysis.visibilityScore)
        }
    }

    @Test func addingANeutralMentionNeverLowersTheScore() {
        var generator = SplitMix64(seed: 2)
        for _ in 0..<1_000 {
            let input = Self.randomInput(&generator)
            let before = Self.analyzer.analyze(input).visibilityScore
            var appended = input
            appended.answer += "\n\nAcme."
            var prepended = input
            prepended.answer = "Acme.\n\n" + input.answer
            #expect(Self.analyzer.analyze(appended).visibilityScore >= before, "\(input)")
            #expect(Self.analyzer.analyze(prepended).visibilityScore >= before, "\(input)")
        }
    }

    @Test func namingTheBrandNeverScoresBelowNotNamingIt() {
        var generator = SplitMix64(seed: 3)
        var lowestMentioned = Int.max
        var highestUnmentioned = Int.min
        for _ in 0..<1_000 {
            let analysis = Self.analyzer.analyze(Self.randomInput(&generator))
            if analysis.isMentioned {
                lowestMentioned = min(lowestMentioned, analysis.visibilityScore)
            } else {
                highestUnmentioned = max(highestUnmentioned, analysis.visibilityScore)
            }
        }
        // Extremes: unmentioned but cited, linked and in a follow-up, against a last-ranked, hostile mention.
        let bestUnmentioned = Self.analyzer.analyze(
            AnalysisInput(
                answer: "See https://acme.com/pricing", citations: ["https://acme.com"],
                followUpQuestions: ["Does Acme integrate with Slack?"]))
        let worstMentioned = Self.analyzer.analyze(
            AnalysisInput(answer: "Globex, Initech, Umbrella. Acme is slow, buggy, expensive and unreliable."))
        #expect(bestUnmentioned.visibilityScore == 35)
        #expect(worstMentioned.scoreBreakdown.tone <= 1)
        #expect(min(lowestMentioned, worstMentioned.visibilityScore) >= max(highestUnmentioned, bestUnmentioned.visibilityScore))
    }

    @Test func arbitraryUnicodeNeverCrashes() {
        var generator = SplitMix64(seed: 4)
        let ranges: [ClosedRange<UInt32>] = [
            0x00...0x7F, 0x80...0x24F, 0x300...0x36F, 0x590...0x6FF, 0x900...0x97F, 0x2000...0x206F,
            0x3000...0x30FF, 0x4E00...0x4E80, 0xFE00...0xFE0F, 0x1F300...0x1F6FF, 0xE0000...0xE007F,
        ]
        func randomText(_ length: Int) -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                let range = ranges.randomElement(using: &generator)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) { scalars.append(scalar) }
            }
            return String(scalars)
        }
        for _ in 0..<500 {
            let brand = BrandProfile(name: randomText(Int.random(in: 0...6, using: &generator)), aliases: [randomText(3)])
            let analyzer = VisibilityAnalyzer(brand: brand, competitors: [BrandProfile(name: randomText(4))])
            let answer = randomText(Int.random(in: 0...400, using: &generator))
            let analysis = analyzer.analyze(
                AnalysisInput(
                    answer: answer + " " + brand.name + " " + answer, citations: [randomText(20)],
                    followUpQuestions: [randomText(30)], locale: randomText(2)))
            #expect((0...100).contains(analysis.visibilityScore))
        }
    }
}

/// SplitMix64: a tiny seeded generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
