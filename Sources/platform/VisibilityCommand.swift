import ArgumentParser
import AsyncHTTPClient
import Foundation
import VisibilityEngine

struct VisibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visibility",
        abstract: "Measure how a brand appears in AI assistants' answers.",
        subcommands: [Analyze.self, Ask.self])
}

extension VisibilityCommand {
    /// The brand and competitors to measure.
    struct BrandOptions: ParsableArguments {
        @Option(help: "The brand to measure.")
        var brand: String

        @Option(name: .customLong("alias"), help: "Another name of the brand (repeatable).")
        var aliases: [String] = []

        @Option(name: .customLong("domain"), help: "A domain the brand owns, e.g. acme.com (repeatable).")
        var domains: [String] = []

        @Option(name: .customLong("competitor"), help: "A competing brand (repeatable).")
        var competitors: [String] = []

        var analyzer: VisibilityAnalyzer {
            VisibilityAnalyzer(
                brand: BrandProfile(name: brand, aliases: aliases, domains: domains),
                competitors: competitors.map { BrandProfile(name: $0) })
        }
    }

    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analyze",
            abstract: "Analyse one answer read from stdin as {answer, citations?, grounding_urls?, follow_up_questions?, locale?}.")

        @OptionGroup var brandOptions: BrandOptions

        func run() async throws {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            let input: AnalysisInput
            do {
                input = try JSONDecoder().decode(AnalysisInput.self, from: data)
            } catch {
                throw ValidationError("stdin must be a JSON object with at least an \"answer\" string: \(error)")
            }
            try writeJSON(brandOptions.analyzer.analyze(input))
        }
    }

    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ask",
            abstract: "Ask a real provider (OPENAI_API_KEY, OPENAI_BASE_URL, GEMINI_API_KEY) and print the answer, "
                + "its usage and, with --brand, its analysis.")

        enum Provider: String, ExpressibleByArgument, CaseIterable {
            case openai, gemini
        }

        @Option(help: "openai (or any OpenAI-compatible server via OPENAI_BASE_URL) or gemini.")
        var provider: Provider

        @Option(help: "Model name, e.g. gpt-4o-mini, sonar or gemini-2.5-flash.")
        var model: String

        @Option(help: "Analyse the answer for this brand.")
        var brand: String?

        @Option(name: .customLong("alias")) var aliases: [String] = []
        @Option(name: .customLong("domain")) var domains: [String] = []
        @Option(name: .customLong("competitor")) var competitors: [String] = []

        @Option(help: "Locale of the answer for sentiment, e.g. en or fr-FR.")
        var locale: String?

        @Argument(help: "The query to ask.")
        var query: String

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let answerProvider: any AnswerProvider =
                switch provider {
                case .openai:
                    OpenAIChatProvider(
                        apiKey: environment[OpenAIChatProvider.apiKeyVariable], model: model,
                        baseURL: environment[OpenAIChatProvider.baseURLVariable] ?? OpenAIChatProvider.defaultBaseURL)
                case .gemini:
                    GeminiProvider(apiKey: environment[GeminiProvider.apiKeyVariable], model: model)
                }
            let answer: ProviderAnswer
            do {
                answer = try await answerProvider.answer(query)
            } catch {
                throw ValidationError(error.description)
            }
            let analysis = brand.map { name in
                VisibilityAnalyzer(
                    brand: BrandProfile(name: name, aliases: aliases, domains: domains),
                    competitors: competitors.map { BrandProfile(name: $0) }
                ).analyze(answer.analysisInput(locale: locale))
            }
            try writeJSON(AskOutput(answer: answer, analysis: analysis))
        }

        private struct AskOutput: Encodable {
            let answer: ProviderAnswer
            let analysis: VisibilityAnalysis?

            enum CodingKeys: String, CodingKey {
                case answer = "response"
                case analysis
            }
        }
    }
}

private func writeJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    FileHandle.standardOutput.write(data)
}
