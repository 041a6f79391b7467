import Foundation
import PlatformTesting
import Testing
import VisibilityEngine

/// `platform visibility fake-provider`'s server, started in-process and asked through the real
/// OpenAI adapter over HTTP.
@Suite("Fake provider")
struct FakeProviderTests {
    static let brands = ["Acme", "Globex", "Initech", "Umbrella"]

    private func provider(_ server: FakeProviderServer, retry: RetryPolicy = ProviderFixtures.fastRetries) -> OpenAIChatProvider {
        OpenAIChatProvider(apiKey: "any", model: "gpt-4o-mini", baseURL: server.baseURL, retryPolicy: retry)
    }

    @Test func answersDependOnlyOnTheQuestionAndMentionTheBrands() async throws {
        let server = try await FakeProviderServer.start(configuration: .init(brands: Self.brands))
        defer { Task { try await server.shutdown() } }
        #expect(server.port > 0 && server.baseURL == "http://127.0.0.1:\(server.port)/v1")
        let provider = provider(server)

        let first = try await provider.answer("What is the best CRM for a small agency?")
        let again = try await provider.answer("  what is the best CRM for a small agency?  ")
        #expect(first.text == again.text && first.citations == again.citations, "the same question (trimmed, any case) gets the same answer")
        #expect(first.usage.inputTokens > 0 && first.usage.outputTokens > 0 && first.usage.model == "gpt-4o-mini")
        #expect(first.usage.costMicroUSD != nil, "priced as the model asked")
        #expect(first.usage.requestID?.hasPrefix("fake-") == true && first.followUpQuestions.count == 2)
        let expected = FakeAnswers.answer(to: "What is the best CRM for a small agency?", brands: Self.brands)
        #expect(first.text == expected.text && first.citations == expected.citations)

        // Across many questions: brands in varying first positions, sometimes none, citations both ways.
        var leaders = Set<String>(), noMention = 0, annotated = 0, plain = 0
        for index in 0..<60 {
            let question = "question number \(index) about project tools"
            let answer = try await provider.answer(question)
            let expected = FakeAnswers.answer(to: question, brands: Self.brands)
            #expect(answer.text == expected.text)
            #expect(!answer.citations.isEmpty && answer.citations == expected.citations, "citations reach the adapter either way")
            if expected.citationsAsAnnotations { annotated += 1 } else { plain += 1 }
            if let leader = expected.mentioned.first {
                leaders.insert(leader)
                let analysis = VisibilityAnalyzer(brand: BrandProfile(name: leader), competitors: Self.brands.filter { $0 != leader }.map { BrandProfile(name: $0) })
                    .analyze(answer.analysisInput())
                #expect(analysis.isMentioned, "\(question): \(answer.text)")
                for brand in expected.mentioned { #expect(answer.text.contains(brand)) }
            } else {
                noMention += 1
                for brand in Self.brands { #expect(!answer.text.contains(brand)) }
            }
        }
        #expect(leaders.count >= 3, "the first brand varies: \(leaders)")
        #expect(noMention > 0 && annotated > 0 && plain > 0)
        #expect(server.requestCount == 62)
    }

    @Test func everyNthRequestFailsAndTheAdapterRetries() async throws {
        let server = try await FakeProviderServer.start(configuration: .init(brands: ["Acme"], failEvery: 2))
        defer { Task { try await server.shutdown() } }
        let provider = provider(server, retry: RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(10), requestTimeout: .seconds(5)))

        let first = try await provider.answer("one")
        #expect(first.usage.attempts == 1)
        let started = ContinuousClock.now
        let second = try await provider.answer("two")
        #expect(second.usage.attempts == 2, "the 2nd request was a 429, the 3rd answered")
        #expect(ContinuousClock.now - started >= .milliseconds(900), "Retry-After: 1 was honoured")
        #expect(server.requestCount == 3)

        let failing = try await FakeProviderServer.start(configuration: .init(failEvery: 1, failureStatus: 503))
        defer { Task { try await failing.shutdown() } }
        do {
            _ = try await self.provider(failing, retry: RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(10))).answer("x")
            Issue.record("every request fails")
        } catch {
            guard case .unavailable(let status, let attempts, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(status == 503 && attempts == 2)
        }
    }

    @Test func otherPathsAndBadBodiesAreRefused() async throws {
        let server = try await FakeProviderServer.start()
        defer { Task { try await server.shutdown() } }
        let wrongPath = OpenAIChatProvider(apiKey: "any", model: "m", baseURL: "http://127.0.0.1:\(server.port)/v2", retryPolicy: ProviderFixtures.fastRetries)
        do {
            _ = try await wrongPath.answer("x")
            Issue.record("404 expected")
        } catch {
            guard case .requestRejected(let status, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(status == 404)
        }
        #expect(server.requestCount == 0)
    }
}
