import Foundation
import PlatformCore

/// What every answer of `/crm/ai/*` says about the call behind it (also in `ai_calls`).
struct AIUsage: APIModel {
    let model: String
    let inputTokens: Int
    let outputTokens: Int
    let latencyMs: Int
    let costMicroUSD: Int?

    enum CodingKeys: String, CodingKey {
        case model, inputTokens = "input_tokens", outputTokens = "output_tokens", latencyMs = "latency_ms", costMicroUSD = "cost_micro_usd"
    }

    init(_ reply: LanguageModelReply) {
        model = reply.usage.model
        inputTokens = reply.usage.inputTokens
        outputTokens = reply.usage.outputTokens
        latencyMs = reply.usage.latencyMilliseconds
        costMicroUSD = reply.usage.costMicroUSD
    }

    private init(model: String, inputTokens: Int, outputTokens: Int, latencyMs: Int, costMicroUSD: Int?) {
        (self.model, self.inputTokens, self.outputTokens, self.latencyMs, self.costMicroUSD) = (model, inputTokens, outputTokens, latencyMs, costMicroUSD)
    }

    static let example = AIUsage(model: "gpt-4o-mini-2024-07-18", inputTokens: 812, outputTokens: 164, latencyMs: 1840, costMicroUSD: 220)
}

struct AnalyzeRequest: RequestBody, APIModel {
    let contactID: UUID
    enum CodingKeys: String, CodingKey { case contactID = "contact_id" }
    static let example = AnalyzeRequest(contactID: CRMExamples.contactID)
}

enum RelationshipHealth: String, SchemaEnum { case strong, good, fair, atRisk = "at_risk" }
enum SentimentTrend: String, SchemaEnum { case improving, stable, declining }

/// `POST /crm/ai/analyze`: the model's assessment; its opportunities and risks are kept as insights.
struct ContactAnalysis: APIModel {
    struct Model: Decodable, Sendable {
        let health: RelationshipHealth
        let summary: String
        let communicationPatterns: String?
        let sentimentTrend: SentimentTrend?
        let recommendedActions: [String]?
        let opportunities: [String]?
        let risks: [String]?

        enum CodingKeys: String, CodingKey {
            case health, summary, communicationPatterns = "communication_patterns", sentimentTrend = "sentiment_trend"
            case recommendedActions = "recommended_actions", opportunities, risks
        }
    }

    let contactID: UUID
    let health: RelationshipHealth
    let summary: String
    let communicationPatterns: String?
    let sentimentTrend: SentimentTrend?
    let recommendedActions: [String]
    let opportunities: [String]
    let risks: [String]
    /// The opportunities and risks, kept as insights (`source: ai`).
    let insights: [CRMInsight]
    let usage: AIUsage

    enum CodingKeys: String, CodingKey {
        case contactID = "contact_id", health, summary, communicationPatterns = "communication_patterns", sentimentTrend = "sentiment_trend"
        case recommendedActions = "recommended_actions", opportunities, risks, insights, usage
    }

    static let example = ContactAnalysis(
        contactID: CRMExamples.contactID, health: .good, summary: "Engaged and responsive; two calls this month.",
        communicationPatterns: "Prefers short calls in the morning.", sentimentTrend: .improving, recommendedActions: ["Send the Elm Street numbers"],
        opportunities: ["Interested in a second property"], risks: [], insights: [.example], usage: .example)
}

/// `POST /crm/ai/discover`: who the entity names, as pending proposals.
struct DiscoverRequest: RequestBody, APIModel {
    let entityType: EntityType
    let entityID: UUID
    /// What to look for.
    let context: String?
    /// At most this many proposals (1–10, default 5).
    let maxResults: Int?

    enum CodingKeys: String, CodingKey { case entityType = "entity_type", entityID = "entity_id", context, maxResults = "max_results" }

    func validated() throws -> DiscoverRequest {
        var check = Validation()
        check.require((1...10).contains(maxResults ?? 5), "max_results", "must be 1 to 10")
        let context = check.optional(context, "context", max: 2000)
        try check.finish("The discovery request is invalid.")
        return DiscoverRequest(entityType: entityType, entityID: entityID, context: context, maxResults: maxResults ?? 5)
    }

    static let example = DiscoverRequest(entityType: .contact, entityID: CRMExamples.contactID, context: "Their colleagues", maxResults: 5)
}

struct Discovery: APIModel {
    struct Model: Decodable, Sendable {
        struct Found: Decodable, Sendable {
            let fullName: String
            let email: String?
            let company: String?
            let jobTitle: String?
            let contactType: String?
            let confidence: Double?
            let reasoning: String?
            let relationshipType: String?

            enum CodingKeys: String, CodingKey {
                case fullName = "full_name", email, company, jobTitle = "job_title", contactType = "contact_type", confidence, reasoning
                case relationshipType = "relationship_type"
            }
        }
        let contacts: [Found]
    }

    let proposals: [ContactProposal]
    /// People the model named that could not be proposed (no usable name, or already proposed).
    let skipped: Int
    let usage: AIUsage

    static let example = Discovery(proposals: [.example], skipped: 0, usage: .example)
}

enum DraftChannel: String, SchemaEnum { case email, message, linkedin, sms }

/// `POST /crm/ai/draft-message`.
struct DraftRequest: RequestBody, APIModel {
    let contactID: UUID
    let purpose: String
    /// Default `email`.
    let channel: DraftChannel?
    let tone: String?

    enum CodingKeys: String, CodingKey { case contactID = "contact_id", purpose, channel, tone }

    func validated() throws -> DraftRequest {
        var check = Validation()
        let purpose = check.text(purpose, "purpose", length: 1...1000)
        let tone = check.optional(tone, "tone", max: 200)
        try check.finish("The draft request is invalid.")
        return DraftRequest(contactID: contactID, purpose: purpose, channel: channel, tone: tone)
    }

    static let example = DraftRequest(contactID: CRMExamples.contactID, purpose: "Send the Elm Street numbers and propose a viewing", channel: .email, tone: nil)
}

struct DraftedMessage: APIModel {
    struct Model: Decodable, Sendable {
        let subject: String?
        let body: String
    }

    let contactID: UUID
    let channel: DraftChannel
    let subject: String?
    let body: String
    let usage: AIUsage

    enum CodingKeys: String, CodingKey { case contactID = "contact_id", channel, subject, body, usage }

    static let example = DraftedMessage(
        contactID: CRMExamples.contactID, channel: .email, subject: "The Elm Street numbers",
        body: "Hi Ada,\n\nAs promised, the numbers for Elm Street are attached…", usage: .example)
}

/// `POST /crm/ai/follow-ups`: the given contacts, or the active ones longest without contact.
struct FollowUpsRequest: RequestBody, APIModel {
    let contactIDs: [UUID]?
    /// At most this many suggestions (1–50, default 10); without ids, this many contacts are reviewed times two.
    let limit: Int?

    enum CodingKeys: String, CodingKey { case contactIDs = "contact_ids", limit }

    func validated() throws -> FollowUpsRequest {
        var check = Validation()
        check.require((1...50).contains(limit ?? 10), "limit", "must be 1 to 50")
        check.require((contactIDs ?? []).count <= 100, "contact_ids", "must name at most 100 contacts")
        try check.finish("The follow-up request is invalid.")
        return FollowUpsRequest(contactIDs: contactIDs, limit: limit ?? 10)
    }

    static let example = FollowUpsRequest(contactIDs: nil, limit: 10)
}

struct FollowUpSuggestions: APIModel {
    struct Model: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            let contactID: String
            let priority: Priority?
            let reason: String
            let suggestedAction: String?
            enum CodingKeys: String, CodingKey { case contactID = "contact_id", priority, reason, suggestedAction = "suggested_action" }
        }
        let suggestions: [Item]
    }

    struct Suggestion: APIModel {
        let contact: Contact
        let priority: Priority
        let reason: String
        let suggestedAction: String?
        enum CodingKeys: String, CodingKey { case contact, priority, reason, suggestedAction = "suggested_action" }
        static let example = Suggestion(contact: .example, priority: .high, reason: "No contact for 45 days after a strong start.", suggestedAction: "Call her")
    }

    let suggestions: [Suggestion]
    /// How many contacts the model reviewed.
    let reviewed: Int
    /// Nil when there was no contact to review (and so no call).
    let usage: AIUsage?

    static let example = FollowUpSuggestions(suggestions: [.example], reviewed: 12, usage: .example)
}
