import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// The AI side of the CRM through the one provider interface: 503 without a provider, the real
/// OpenAI (and Gemini) wire format against a local server, metering of every call, and 502 for
/// answers that cannot be used.
@Suite(.serialized) struct CRMAITests {
    /// A chat completion as OpenAI sends it, its message the given text.
    static func completion(_ content: String, promptTokens: Int = 1000, completionTokens: Int = 200) -> String {
        let body: JSONValue = [
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_767_225_600, "model": "gpt-4o-mini-2024-07-18",
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                      "total_tokens": .number(Double(promptTokens + completionTokens))],
        ]
        return String(decoding: try! JSONEncoder().encode(body), as: UTF8.self)
    }

    struct SentRequest {
        let system: String
        let user: String
        let model: String?
    }

    static func sent(_ request: StubHTTPServer.Request) -> SentRequest? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: request.body), let messages = json["messages"]?.arrayValue,
              messages.count == 2, messages[0]["role"] == "system", messages[1]["role"] == "user",
              let system = messages[0]["content"]?.stringValue, let user = messages[1]["content"]?.stringValue
        else { return nil }
        return SentRequest(system: system, user: user, model: json["model"]?.stringValue)
    }

    /// What a well-behaved model answers to each of the CRM's questions.
    static func answer(_ request: StubHTTPServer.Request) -> StubHTTPServer.Response {
        guard request.uri == "/v1/chat/completions", request.headers["authorization"] == "Bearer sk-test", let sent = sent(request) else {
            return .json(#"{"error": {"message": "unexpected request"}}"#, status: 400)
        }
        let content: String
        if sent.system.contains("A contact is being added") {
            content = #"{"relationship_score": 77, "engagement_strategy": "Monthly coffee", "follow_up_in_days": 3, "follow_up_title": "Coffee with Ada"}"#
        } else if sent.system.contains("interaction with a contact is being logged") {
            content = "```json\n" + #"{"sentiment": "positive", "key_topics": ["pricing"], "action_items": ["Send the price list"], "#
                + #""suggested_tasks": [{"title": "Send the price list", "due_in_days": 2, "priority": "high"}]}"# + "\n```"
        } else if sent.system.contains("Assess the relationship") {
            content = #"{"health": "good", "summary": "Warm and engaged.", "communication_patterns": "Short calls", "sentiment_trend": "improving", "#
                + #""recommended_actions": ["Send the numbers"], "opportunities": ["A second property"], "risks": ["A competing agent"]}"#
        } else if sent.system.contains("list the people it names") {
            content = #"{"contacts": [{"full_name": "Jane Broker", "email": "jane@brokers.example", "company": "Brokers Ltd", "contact_type": "broker", "#
                + #""confidence": 0.8, "reasoning": "Her agent", "relationship_type": "works with"}, {"full_name": "  ", "confidence": 0.2}]}"#
        } else if sent.system.contains("Draft a email") {
            content = #"{"subject": "The Elm Street numbers", "body": "Hi Ada, here they are."}"#
        } else if sent.system.contains("most needs attention") {
            let id = sent.user.range(of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", options: .regularExpression).map { String(sent.user[$0]) } ?? ""
            content = #"{"suggestions": [{"contact_id": "\#(id)", "priority": "urgent", "reason": "Quiet for weeks", "suggested_action": "Call"}, "#
                + #"{"contact_id": "\#(UUID().uuidString.lowercased())", "priority": "high", "reason": "Made up"}]}"#
        } else {
            content = "?"
        }
        return .json(completion(content))
    }

    static func configure(_ baseURL: String, provider: AISettings.Provider = .openai) -> @Sendable (inout PlatformConfig) -> Void {
        { config in
            config.ai = AISettings(provider: provider, model: provider == .openai ? "gpt-4o-mini" : "gemini-2.5-flash", apiKey: "sk-test",
                                   baseURL: baseURL, maximumAttempts: 1, requestTimeout: .seconds(20))
        }
    }

    @Test func withoutAProviderTheAIEndpointsAnswer503AndTheRestWorks() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let contact = try await crm.create("/contacts", ["full_name": "Ada", "contact_type": "client"])
            #expect(contact.json["score_source"] == "rules" && contact.json["relationship_score"]?.intValue == 50 && contact.json["engagement_strategy"] == nil)
            let id = try #require(contact.json["id"]?.stringValue)
            let logged = try await crm.interaction(id, "meeting")
            #expect(logged.json["interaction"]?["analyzed_by"] == "rules" && logged.json["suggested_tasks"] == [] && logged.json["ai_error"] == nil)

            for (path, body) in [("/ai/analyze", ["contact_id": JSONValue.string(id)]), ("/ai/draft-message", ["contact_id": .string(id), "purpose": "Hello"]),
                                 ("/ai/discover", ["entity_type": "contact", "entity_id": .string(id)]), ("/ai/follow-ups", [:])] as [(String, [String: JSONValue])] {
                let response = try await crm.request(.post, path, .object(body))
                #expect(response.status == .serviceUnavailable && response.errorCode == "provider_not_configured", "\(path): \(response.text)")
            }
            // The subject is looked for first.
            #expect(try await crm.request(.post, "/ai/analyze", ["contact_id": .string(UUID().uuidString)]).errorCode == "contact_not_found")
            #expect(try await crm.request(.post, "/ai/discover", ["entity_type": "record", "entity_id": .string(UUID().uuidString)]).errorCode == "entity_not_found")
            #expect(try await platform.aiCalls(in: owner.workspaceID).isEmpty, "no call was made")
        }
    }

    @Test func theAIFeaturesSpeakTheOpenAIWireFormatAndAreMetered() async throws {
        let server = try await StubHTTPServer.start { _, request in Self.answer(request) }
        defer { Task { try await server.shutdown() } }
        try await TestPlatform.run(configure: Self.configure(server.baseURL + "/v1")) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let me = try #require(try await client.request(.get, "/api/v1/members/me", headers: owner.headers()).json["id"]?.stringValue)
            let crm = CRMClient(client: client, headers: owner.headers())

            // Contact create: the model's score and follow-up.
            let created = try await crm.create("/contacts", ["full_name": "Ada Lovelace", "contact_type": "client", "company": "Engines"])
            #expect(created.json["relationship_score"]?.intValue == 77 && created.json["score_source"] == "ai")
            #expect(created.json["engagement_strategy"] == "Monthly coffee")
            let ada = try #require(created.json["id"]?.stringValue)
            let followUp = try await crm.request(.get, "/tasks?contact_id=\(ada)").json["items"]?[0]
            #expect(followUp?["title"] == "Coffee with Ada" && followUp?["source"] == "ai")
            #expect(abs((followUp?["due_at"]?.stringValue.flatMap(ISO8601.date(from:))?.timeIntervalSinceNow ?? 0) - 3 * 86_400) < 3_600)
            let first = try #require(server.requests.first.flatMap(Self.sent))
            #expect(first.model == "gpt-4o-mini" && first.user.contains("Name: Ada Lovelace") && first.user.contains("Company: Engines"))
            #expect(server.requests.first?.method == "POST" && server.requests.first?.headers["content-type"] == "application/json")

            // Interaction log: the model's sentiment, topics, action items and a suggested task; the formula moves the score.
            let logged = try await crm.create("/interactions", ["contact_id": .string(ada), "interaction_type": "call", "content": "She asked for prices."])
            let interaction = logged.json["interaction"]
            #expect(interaction?["analyzed_by"] == "ai" && interaction?["sentiment"] == "positive" && interaction?["key_topics"] == ["pricing"])
            #expect(interaction?["action_items"] == ["Send the price list"] && interaction?["score_before"]?.intValue == 77 && interaction?["score_after"]?.intValue == 86)
            #expect(logged.json["suggested_tasks"]?[0]?["title"] == "Send the price list" && logged.json["suggested_tasks"]?[0]?["priority"] == "high")
            #expect(logged.json["suggested_tasks"]?[0]?["interaction_id"] == interaction?["id"] && logged.json["suggested_tasks"]?[0]?["source"] == "ai")
            #expect(Self.sent(server.requests[1])?.user.contains("She asked for prices.") == true)
            // The caller's own reading of the sentiment wins.
            let negative = try await crm.create("/interactions", ["contact_id": .string(ada), "interaction_type": "email", "sentiment": "negative"])
            #expect(negative.json["interaction"]?["sentiment"] == "negative" && negative.json["interaction"]?["score_after"]?.intValue == 83)

            // analyze: the assessment, its opportunities and risks kept as insights.
            let analysis = try await crm.request(.post, "/ai/analyze", ["contact_id": .string(ada)])
            #expect(analysis.status == .ok && analysis.json["health"] == "good" && analysis.json["sentiment_trend"] == "improving")
            #expect(analysis.json["recommended_actions"] == ["Send the numbers"] && analysis.json["usage"]?["cost_micro_usd"]?.intValue == 270)
            #expect(analysis.json["insights"]?.arrayValue?.compactMap { $0["insight_type"]?.stringValue }.sorted() == ["opportunity", "risk"])
            #expect(Self.sent(server.requests[3])?.user.contains("Send the price list") == true, "the open tasks are in the prompt")
            #expect(Set(try await crm.request(.get, "/insights?contact_id=\(ada)").json["items"]?.arrayValue?.compactMap { $0["source"]?.stringValue } ?? []) == ["ai"])

            // discover: pending proposals from the people the model names; an unusable one is skipped.
            let discovery = try await crm.request(.post, "/ai/discover", ["entity_type": "contact", "entity_id": .string(ada), "context": "Her agents"])
            #expect(discovery.status == .ok && discovery.json["skipped"]?.intValue == 1)
            let proposal = discovery.json["proposals"]?[0]
            #expect(proposal?["contact"]?["full_name"] == "Jane Broker" && proposal?["source"] == "ai" && proposal?["confidence"]?.numberValue == 0.8)
            #expect(proposal?["trigger_entity_id"]?.stringValue == ada && proposal?["suggested_relationships"]?[0]?["relationship_type"] == "works_with")
            #expect(try await crm.ids("/proposals?status=pending").count == 1)

            // draft-message.
            let draft = try await crm.request(.post, "/ai/draft-message", ["contact_id": .string(ada), "purpose": "Send the Elm Street numbers"])
            #expect(draft.json["subject"] == "The Elm Street numbers" && draft.json["body"] == "Hi Ada, here they are." && draft.json["channel"] == "email")

            // follow-ups: only contacts that exist are suggested.
            let key = try await client.createAPIKey(for: owner, scopes: ["crm:write"], name: "agent")
            let followUps = try await CRMClient(client: client, headers: .bearer(key.key)).request(.post, "/ai/follow-ups", ["limit": 5])
            #expect(followUps.status == .ok && followUps.json["suggestions"]?.arrayValue?.count == 1, "\(followUps.text)")
            #expect(followUps.json["suggestions"]?[0]?["contact"]?["id"]?.stringValue == ada && followUps.json["suggestions"]?[0]?["priority"] == "urgent")
            #expect(followUps.json["reviewed"]?.intValue == 1)
            #expect(try await crm.request(.post, "/ai/follow-ups", ["contact_ids": [.string(UUID().uuidString)]]).errorCode == "contact_not_found")

            // Every call metered: purpose, provider, model, tokens, latency, cost, who.
            let calls = try await platform.aiCalls(in: owner.workspaceID)
            #expect(calls.map { $0["purpose"] ?? "" } == [
                "crm.contact_create", "crm.interaction_log", "crm.interaction_log", "crm.analyze", "crm.discover", "crm.draft_message", "crm.follow_ups",
            ])
            #expect(calls.count == server.requests.count)
            #expect(calls.allSatisfy { $0["status"] == "succeeded" && $0["provider"] == "openai" && $0["model"] == "gpt-4o-mini-2024-07-18" })
            #expect(calls.allSatisfy { $0["input_tokens"] == "1000" && $0["output_tokens"] == "200" && $0["cost_micro_usd"] == "270" })
            #expect(calls.dropLast().allSatisfy { $0["member_id"] == me && $0["api_key_id"] == "" })
            #expect(calls.last?["api_key_id"] == key.id && calls.last?["member_id"] == me, "a key's call: the key, and its creator")
        }
    }

    @Test func answersThatCannotBeUsedAre502AndStillMetered() async throws {
        let server = try await StubHTTPServer.start { _, request in
            let system = Self.sent(request)?.system ?? ""
            if system.contains("Draft a") { return .json(#"{"unexpected": true}"#) }  // not a chat completion at all
            if system.contains("most needs attention") { return .json(#"{"error": {"message": "The server had an error"}}"#, status: 500) }
            if system.contains("list the people") { return .json(Self.completion(#"{"contacts": [{"confidence": 0.5}]}"#)) }  // no name
            return .json(Self.completion("Sorry, I cannot help with that."))
        }
        defer { Task { try await server.shutdown() } }
        try await TestPlatform.run(configure: Self.configure(server.baseURL + "/v1")) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())

            // Contact create and interaction log keep working on the formula, and say why.
            let created = try await crm.create("/contacts", ["full_name": "Ada", "contact_type": "client"])
            #expect(created.json["score_source"] == "rules" && created.json["relationship_score"]?.intValue == 50)
            let ada = try #require(created.json["id"]?.stringValue)
            let logged = try await crm.interaction(ada, "meeting")
            #expect(logged.json["interaction"]?["analyzed_by"] == "rules" && logged.json["interaction"]?["score_after"]?.intValue == 58)
            #expect(logged.json["ai_error"]?.stringValue?.contains("expected format") == true)

            let analysis = try await crm.request(.post, "/ai/analyze", ["contact_id": .string(ada)])
            #expect(analysis.status == .badGateway && analysis.errorCode == "provider_malformed_output")
            #expect(analysis.json["error"]?["message"]?.stringValue?.contains("no JSON object") == true)
            let discovery = try await crm.request(.post, "/ai/discover", ["entity_type": "contact", "entity_id": .string(ada)])
            #expect(discovery.status == .badGateway && discovery.errorCode == "provider_malformed_output")
            #expect(discovery.json["error"]?["message"]?.stringValue?.contains("contacts.0.full_name") == true)
            let draft = try await crm.request(.post, "/ai/draft-message", ["contact_id": .string(ada), "purpose": "Hello"])
            #expect(draft.status == .badGateway && draft.errorCode == "provider_malformed_output")
            let followUps = try await crm.request(.post, "/ai/follow-ups", [:])
            #expect(followUps.status == .badGateway && followUps.errorCode == "provider_error")
            #expect(try await crm.ids("/proposals").isEmpty)
            #expect(try await crm.request(.get, "/insights?contact_id=\(ada)").json["total"]?.intValue == 0)

            let calls = try await platform.aiCalls(in: owner.workspaceID)
            #expect(calls.map { $0["status"] ?? "" } == ["malformed_output", "malformed_output", "malformed_output", "malformed_output", "malformed_output", "failed"])
            #expect(calls[0]["input_tokens"] == "1000" && calls[0]["cost_micro_usd"] == "270", "a reply out of format was still paid for")
            #expect(calls[4]["input_tokens"] == "0" && calls[4]["cost_micro_usd"] == "" && calls[5]["error"]?.contains("500") == true)
        }
    }

    @Test func geminiIsTheSameInterface() async throws {
        let server = try await StubHTTPServer.start { _, request in
            guard request.uri == "/models/gemini-2.5-flash:generateContent", request.headers["x-goog-api-key"] == "sk-test",
                  let json = try? JSONDecoder().decode(JSONValue.self, from: request.body),
                  json["contents"]?[0]?["parts"]?[0]?["text"]?.stringValue?.contains("Purpose: Say hello") == true, json["tools"] == nil
            else { return .json(#"{"error": {"message": "unexpected request"}}"#, status: 400) }
            return .json(#"""
                {"candidates": [{"content": {"parts": [{"text": "{\"subject\": null, \"body\": \"Hello Ada!\"}"}]}}],
                 "usageMetadata": {"promptTokenCount": 400, "candidatesTokenCount": 100}, "modelVersion": "gemini-2.5-flash"}
                """#)
        }
        defer { Task { try await server.shutdown() } }
        try await TestPlatform.run(configure: Self.configure(server.baseURL, provider: .gemini)) { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let ada = try await crm.contact(["full_name": "Ada"])
            let draft = try await crm.request(.post, "/ai/draft-message", ["contact_id": .string(ada), "purpose": "Say hello", "channel": "sms"])
            #expect(draft.status == .ok && draft.json["body"] == "Hello Ada!" && draft.json["subject"] == nil && draft.json["channel"] == "sms")
            // 400 × $0.30/M + 100 × $2.50/M = 120 + 250 µUSD.
            #expect(draft.json["usage"]?["cost_micro_usd"]?.intValue == 370 && draft.json["usage"]?["model"] == "gemini-2.5-flash")
            let calls = try await platform.aiCalls(in: owner.workspaceID)
            #expect(calls.last?["provider"] == "gemini" && calls.last?["purpose"] == "crm.draft_message" && calls.last?["cost_micro_usd"] == "370")
        }
    }

    @Test func jsonIsReadFromAModelsProse() throws {
        struct Shape: Decodable { let score: Int }
        #expect(try MeteredLanguageModel.decodeJSON(Shape.self, from: #"{"score": 3}"#).score == 3)
        #expect(try MeteredLanguageModel.decodeJSON(Shape.self, from: "Here you are:\n```json\n{\"score\": 4}\n```\nAnything else?").score == 4)
        #expect(throws: MeteredLanguageModel.OutputError.self) { try MeteredLanguageModel.decodeJSON(Shape.self, from: "no JSON here") }
        #expect(throws: MeteredLanguageModel.OutputError.self) { try MeteredLanguageModel.decodeJSON(Shape.self, from: #"{"score": "high"}"#) }
        #expect(throws: MeteredLanguageModel.OutputError.self) { try MeteredLanguageModel.decodeJSON(Shape.self, from: "} backwards {") }
    }
}
