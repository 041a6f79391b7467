import ArgumentParser
import Foundation
import VisibilityEngine

/// Answers analysed per second on one core, for ~2 KB markdown answers naming 5 brands.
struct BenchAnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Benchmark VisibilityAnalyzer on generated 2 KB answers with 5 brands (single thread).")

    @Option(help: "Seconds to measure after warm-up.")
    var seconds: Double = 3

    @Option(help: "Distinct generated answers to cycle through.")
    var answers: Int = 256

    func run() async throws {
        let analyzer = VisibilityAnalyzer(
            brand: BrandProfile(name: "Acme CRM", aliases: ["Acme"], domains: ["acme.com"]),
            competitors: ["HubSpot", "Salesforce", "Pipedrive", "Zoho CRM"].map { BrandProfile(name: $0) })
        let inputs = Corpus.answers(count: max(1, answers), targetBytes: 2048)
        let averageBytes = inputs.map(\.answer.utf8.count).reduce(0, +) / inputs.count

        var checksum = 0
        for input in inputs { checksum &+= analyzer.analyze(input).visibilityScore }  // warm-up

        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int(seconds * 1000))
        let started = clock.now
        var analysed = 0
        while clock.now - started < budget {
            for input in inputs { checksum &+= analyzer.analyze(input).visibilityScore }
            analysed += inputs.count
        }
        let elapsed = clock.now - started
        let (wholeSeconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(wholeSeconds) + Double(attoseconds) / 1e18
        let rate = Double(analysed) / elapsedSeconds
        FileHandle.standardOutput.write(
            Data(
                """
                answers analysed: \(analysed) in \(String(format: "%.2f", elapsedSeconds)) s (one thread)
                average answer size: \(averageBytes) bytes, brands: 5, checksum: \(checksum)
                throughput: \(Int(rate)) answers/s

                """.utf8))
    }
}

extension BenchAnalyzeCommand {
    /// Deterministic markdown answers: an intro, a numbered list of the five brands in a
    /// seed-dependent order with pros and cons, a comparison table and a closing paragraph.
    enum Corpus {
        static let brands = ["Acme CRM", "HubSpot", "Salesforce", "Pipedrive", "Zoho CRM"]
        static let praise = [
            "is intuitive and fast to set up", "has a reliable mobile app", "offers excellent reporting",
            "is popular with small teams", "has strong automation features",
        ]
        static let criticism = [
            "is not cheap once you add seats", "can feel clunky for simple pipelines", "isn't great for offline work",
            "has limited custom fields on the free plan", "gets expensive at scale",
        ]

        static func answers(count: Int, targetBytes: Int) -> [AnalysisInput] {
            var generator = SeededGenerator(seed: 0x5EED)
            return (0..<count).map { _ in answer(targetBytes: targetBytes, using: &generator) }
        }

        private static func answer(targetBytes: Int, using generator: inout SeededGenerator) -> AnalysisInput {
            var text = "Here is a comparison of CRM platforms for a growing sales team in 2024.\n\n"
            for (rank, brand) in brands.shuffled(using: &generator).enumerated() {
                text += "\(rank + 1). **\(brand)** – \(brand) \(praise.randomElement(using: &generator)!), "
                text += "but it \(criticism.randomElement(using: &generator)!).\n"
                text += "   - Pricing details: https://www.example.com/\(brand.lowercased().filter(\.isLetter))/pricing\n"
            }
            text += "\n| CRM | Best for | Starting price |\n|---|---|---|\n"
            for brand in brands { text += "| \(brand) | Teams of \(Int.random(in: 2...50, using: &generator)) | $\(Int.random(in: 0...99, using: &generator)) |\n" }
            text += "\n"
            while text.utf8.count < targetBytes {
                let brand = brands.randomElement(using: &generator)!
                text += "Many reviewers say \(brand) \(praise.randomElement(using: &generator)!), although support response times vary. "
            }
            let cut = text.utf8.count > targetBytes ? String(decoding: Array(text.utf8.prefix(targetBytes)), as: UTF8.self) : text
            return AnalysisInput(
                answer: cut, citations: ["https://www.acme.com/blog/crm-guide", "https://www.g2.com/categories/crm"],
                followUpQuestions: ["Is Acme CRM cheaper than HubSpot?"], locale: "en")
        }
    }

    /// SplitMix64, so every run benchmarks the same answers.
    struct SeededGenerator: RandomNumberGenerator {
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
}
