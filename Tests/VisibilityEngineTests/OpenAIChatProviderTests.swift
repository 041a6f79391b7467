import Foundation
import PlatformTesting
import Testing
import VisibilityEngine

@Suite("OpenAI Chat Completions adapter")
struct OpenAIChatProviderTests {
    private func provider(_ server: StubHTTPServer, key: String? = "sk-test", retry: RetryPolicy = ProviderFixtures.fastRetries)
        -> OpenAIChatProvider
    {
        OpenAIChatProvider(
            apiKey: key, model: "gpt-4o", baseURL: server.baseURL + "/v1", priceTable: ProviderFixtures.prices,
            retryPolicy: retry)
    }

    @Test func successReturnsAnswerUsageAndCost() async throws {
        let server = try await StubHTTPServer.start { _, _ in
            .json(ProviderFixtures.openAISuccess, headers: [("x-request-id", "req_7f3a")])
        }
        defer { Task { try await server.shutdown() } }

        let answer = try await provider(server).answer("best CRM for startups?")

        #expect(answer.text.hasPrefix("1. **HubSpot**"))
        #expect(answer.usage.inputTokens == 1200)
        #expect(answer.usage.outputTokens == 300)
        #expect(answer.usage.model == "gpt-4o-2024-08-06")
        #expect(answer.usage.requestID == "req_7f3a")
        // 1200 × 1 µUSD + 300 × 2 µUSD, priced through the "gpt-4o" prefix.
        #expect(answer.usage.costMicroUSD == 1800)
        #expect(answer.usage.attempts == 1)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        let sent = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        #expect(sent?["model"] as? String == "gpt-4o")
        let messages = sent?["messages"] as? [[String: String]]
        #expect(messages?.last?["content"] == "best CRM for startups?")
    }

    @Test func perplexityCitationsAndRelatedQuestionsFeedTheAnalysis() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.perplexitySuccess) }
        defer { Task { try await server.shutdown() } }

        let answer = try await provider(server).answer("best CRM?")

        #expect(
            answer.citations == [
                "https://www.hubspot.com/products/crm", "https://www.g2.com/categories/crm", "https://www.zoho.com/crm/",
            ])
        #expect(answer.followUpQuestions.count == 2)
        #expect(answer.usage.requestID == "pplx-9f8e")
        #expect(answer.usage.costMicroUSD == nil)
        let analysis = VisibilityAnalyzer(brand: BrandProfile(name: "HubSpot", domains: ["hubspot.com"]))
            .analyze(answer.analysisInput())
        #expect(!analysis.isMentioned)
        #expect(analysis.isCited)
        #expect(analysis.brandInFollowUp)
        #expect(analysis.visibilityScore == 25)
    }

    @Test func rateLimitHonoursRetryAfterThenSucceeds() async throws {
        let server = try await StubHTTPServer.start { number, _ in
            number == 0
                ? .json(ProviderFixtures.openAIRateLimited, status: 429, headers: [("Retry-After", "0")])
                : .json(ProviderFixtures.openAISuccess)
        }
        defer { Task { try await server.shutdown() } }
        // A 30 s backoff would stall the test: finishing fast proves Retry-After: 0 was used.
        let slowBackoff = RetryPolicy(maximumAttempts: 3, baseDelay: .seconds(30), requestTimeout: .seconds(5))

        let started = ContinuousClock.now
        let answer = try await provider(server, retry: slowBackoff).answer("q")

        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(answer.usage.attempts == 2)
        #expect(server.requests.count == 2)
    }

    @Test func persistentServerErrorStopsAfterMaximumAttempts() async throws {
        let server = try await StubHTTPServer.start { _, _ in
            .json(#"{"error":{"message":"The server had an error"}}"#, status: 500)
        }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        #expect(error == .unavailable(status: 500, attempts: 3, message: "The server had an error"))
        #expect(server.requests.count == 3)
    }

    @Test func clientErrorIsNotRetried() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.openAIInvalidKey, status: 401) }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        #expect(error == .requestRejected(status: 401, message: "Incorrect API key provided: sk-test."))
        #expect(server.requests.count == 1)
    }

    @Test func garbageBodyIsMalformed() async throws {
        let server = try await StubHTTPServer.start { _, _ in
            .init(status: 200, headers: [("Content-Type", "text/html")], body: "<html>502 Bad Gateway</html>")
        }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server).answer("q") }

        guard case .malformedResponse = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
    }

    @Test func missingKeyFailsBeforeAnyRequest() async throws {
        let server = try await StubHTTPServer.start { _, _ in .json(ProviderFixtures.openAISuccess) }
        defer { Task { try await server.shutdown() } }

        let error = await #expect(throws: ProviderError.self) { try await provider(server, key: nil).answer("q") }

        #expect(error == .missingAPIKey(variable: "OPENAI_API_KEY"))
        #expect(server.requests.isEmpty)
    }

    @Test func slowServerTimesOutOnEveryAttempt() async throws {
        let server = try await StubHTTPServer.start { _, _ in
            // Far beyond the client's timeout, so a loaded machine cannot let the answer win the race.
            var response = StubHTTPServer.Response.json(ProviderFixtures.openAISuccess)
            response.delay = .seconds(10)
            return response
        }
        defer { Task { try await server.shutdown() } }
        let impatient = RetryPolicy(
            maximumAttempts: 2, baseDelay: .milliseconds(1), requestTimeout: .milliseconds(100))

        let error = await #expect(throws: ProviderError.self) { try await provider(server, retry: impatient).answer("q") }

        #expect(error == .timedOut(attempts: 2))
    }
}
