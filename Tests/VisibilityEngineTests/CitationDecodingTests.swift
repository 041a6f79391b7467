import Foundation
import PlatformTesting
import Testing
import VisibilityEngine

/// Providers send citations as URL strings or as objects with a `url`: both are read.
@Suite("Citations as strings or objects")
struct CitationDecodingTests {
    @Test func analysisInputAcceptsURLStringsAndObjects() throws {
        let json = """
            {"answer": "Acme leads.", "citations": ["https://acme.com/a", {"url": "https://www.acme.com/b", "title": "Acme B"},
             {"title": "no url"}, {"url": "https://globex.io"}], "grounding_urls": ["https://x.example"]}
            """
        let input = try JSONDecoder().decode(AnalysisInput.self, from: Data(json.utf8))
        #expect(input.citations == ["https://acme.com/a", "https://www.acme.com/b", "https://globex.io"])
        #expect(input.groundingURLs == ["https://x.example"])
        let analysis = VisibilityAnalyzer(brand: BrandProfile(name: "Acme", domains: ["acme.com"])).analyze(input)
        #expect(analysis.isCited)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnalysisInput.self, from: Data(#"{"answer": "x", "citations": [3]}"#.utf8)) }
    }

    @Test func openAIAdapterAcceptsCitationObjects() async throws {
        let server = try await StubHTTPServer.start { _, _ in
            .json("""
                {"id":"x","model":"sonar","choices":[{"message":{"content":"Acme."}}],
                 "citations":[{"url":"https://acme.com/x","title":"X"},"https://globex.io/"],"usage":{"prompt_tokens":1,"completion_tokens":1}}
                """)
        }
        defer { Task { try await server.shutdown() } }
        let answer = try await OpenAIChatProvider(apiKey: "k", model: "sonar", baseURL: server.baseURL, retryPolicy: ProviderFixtures.fastRetries).answer("q")
        #expect(answer.citations == ["https://acme.com/x", "https://globex.io/"])
    }
}
