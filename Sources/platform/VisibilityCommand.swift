import ArgumentParser
import AsyncHTTPClient
import Foundation
import VisibilityEngine

struct VisibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visibility",
        abstract: "Measure how a brand appears in AI assistants' answers.",
        subcommands: [Analyze.self, Ask.self, FakeProvider.self])
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

extension VisibilityCommand {
    struct FakeProvider: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fake-provider",
            abstract: "Serve deterministic answers over OpenAI Chat Completions (POST /v1/chat/completions) until stopped: "
                + "point OPENAI_BASE_URL (or PERPLEXITY_BASE_URL) at the printed URL.")

        @Option(help: "Port to listen on (0: any free one).")
        var port: Int = 8090

        @Option(help: "Address to listen on.")
        var host: String = "127.0.0.1"

        @Option(name: .customLong("brand"), help: "A brand the answers mention in varying positions (repeatable; default Acme, Globex, Initech).")
        var brands: [String] = []

        @Option(name: .customLong("delay-ms"), help: "Milliseconds to wait before each answer.")
        var delayMilliseconds: Int = 0

        @Option(name: .customLong("fail-every"), help: "Answer every Nth request with --fail-status (0: never).")
        var failEvery: Int = 0

        @Option(name: .customLong("fail-status"), help: "429 (with Retry-After: 1) or a 5xx status for the failing requests.")
        var failStatus: Int = 429

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            guard delayMilliseconds >= 0, failEvery >= 0 else { throw ValidationError("--delay-ms and --fail-every must not be negative") }
            guard failStatus == 429 || (500...599).contains(failStatus) else { throw ValidationError("--fail-status must be 429 or 5xx") }
        }

        func run() async throws {
            var configuration = FakeProviderServer.Configuration(
                delay: .milliseconds(delayMilliseconds), failEvery: failEvery, failureStatus: failStatus)
            if !brands.isEmpty { configuration.brands = brands }
            let server = try await FakeProviderServer.start(host: host, port: port, configuration: configuration)
            // Written at once (not buffered like print), so a script reading the line sees it.
            let line = "fake provider listening: OPENAI_BASE_URL=\(server.baseURL) (any API key), brands \(configuration.brands.joined(separator: ", "))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            try await server.waitUntilClosed()
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
