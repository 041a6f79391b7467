import Foundation
import PlatformTesting
import Testing
import VisibilityEngine

@Suite("Gemini generateContent adapter")
struct GeminiProviderTests {
    private func provider(_ server: StubHTTPServer) -> GeminiProvider {
        GeminiProvider(
            apiKey: "gem-key", model: "gemini-2.5-flash", baseURL: server.baseURL + "/v1beta",
            priceTable: ProviderFixtures.prices, retryPolicy: ProviderFixtures.fastRetries)
    }

    @Test func successJoinsPartsAndMapsGroundingChunks() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.geminiSuccess) }
        defer { Task { try await server.shutdown() } }

        let answer = try await provider(server).answer("best CRM?")

        #expect(answer.text == "For CRM, **HubSpot** is popular. Salesforce suits enterprises.")
        // The redirect chunk is replaced by its domain title; a direct URI is kept as is.
        #expect(answer.groundingURLs == ["https://hubspot.com", "https://www.salesforce.com/crm/"])
        #expect(answer.usage.inputTokens == 8)
        #expect(answer.usage.outputTokens == 25)
        #expect(answer.usage.model == "gemini-2.5-flash-001")
        #expect(answer.usage.requestID == "resp-gem-42")
        // (8 × 300_000 + 25 × 2_500_000) / 1_000_000 = 64.9 → 65 µUSD
        #expect(answer.usage.costMicroUSD == 65)
        let request = try #require(server.requests.first)
        #expect(request.uri == "/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(request.headers["x-goog-api-key"] == "gem-key")
        let sent = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        #expect((sent?["tools"] as? [[String: Any]])?.first?["google_search"] != nil)

        let analysis = VisibilityAnalyzer(
            brand: BrandProfile(name: "HubSpot", domains: ["hubspot.com"]),
            competitors: [BrandProfile(name: "Salesforce")]
        ).analyze(answer.analysisInput())
        #expect(analysis.isCited)
        #expect(analysis.mentionPosition == 1)
    }

    @Test func overloadedThenSuccessRetries() async throws {
        let server = try await StubHTTPServer.start { number, _ in
            number == 0 ? .json(ProviderFixtures.geminiUnavailable, status: 503) : .json(ProviderFixtures.geminiSuccess)
        }
        defer { Task { try await server.shutdown() } }

        let answer = try await provider(server).answer("q")

        #expect(answer.usage.attempts == 2)
        #expect(server.requests.count == 2)
    }

    @Test func persistentServerErrorIsUnavailable() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.geminiUnavailable, status: 500) }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        #expect(error == .unavailable(status: 500, attempts: 3, message: "The model is overloaded. Please try again later."))
    }

    @Test func badRequestCarriesProviderMessage() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.geminiBadRequest, status: 400) }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        #expect(error == .requestRejected(status: 400, message: "API key not valid. Please pass a valid API key."))
        #expect(server.requests.count == 1)
    }

    @Test func garbageIsMalformed() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(#"{"candidates": "#) }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        guard case .malformedResponse = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
    }

    @Test func missingKeyNamesTheVariable() async {
        let gemini = GeminiProvider(apiKey: "", model: "gemini-2.5-flash")
        let error = await #expect(throws: ProviderError.self) { try await gemini.answer("q") }
        #expect(error == .missingAPIKey(variable: "GEMINI_API_KEY"))
    }
}
