import Foundation
import PlatformCore
import PlatformServer
import Testing
import VisibilityEngine

/// A configured visibility provider becomes the engine's adapter; against the fake provider over
/// real HTTP, a `perplexity` entry speaks Chat Completions and retries a 429.
@Suite struct VisibilityAnswerProviderTests {
    @Test func configuredProvidersBecomeAdapters() async throws {
        let server = try await FakeProviderServer.start(configuration: .init(brands: ["Acme", "Globex"], failEvery: 2))
        defer { Task { try await server.shutdown() } }
        let settings = VisibilitySettings(providers: [.init(name: .perplexity, apiKey: "any", baseURL: server.baseURL)], maximumAttempts: 3,
                                          requestTimeout: .seconds(10))
        let provider = try #require(settings.provider(.perplexity)).answerProvider(settings)
        #expect(provider.providerName == "perplexity")
        let first = try await provider.answer("Which CRM should a small agency pick?")
        #expect(first.usage.model == "sonar" && first.usage.attempts == 1 && first.usage.costMicroUSD != nil)
        let second = try await provider.answer("Which CRM should a large agency pick?")
        #expect(second.usage.attempts == 2, "the fake's 2nd request is a 429 with Retry-After: 1")
        #expect(first.text == FakeAnswers.answer(to: "Which CRM should a small agency pick?", brands: ["Acme", "Globex"]).text)

        let gemini = VisibilitySettings.Provider(name: .gemini, apiKey: "g").answerProvider(settings)
        #expect(gemini.providerName == "gemini")
    }
}
