import Foundation
import PlatformCore

/// The CRM's questions to the language model: each a system prompt asking for one JSON shape, the
/// facts as the user prompt, and the reply decoded (502 `provider_malformed_output` otherwise).
/// Every call goes through `MeteredLanguageModel`, so each one is a row in `ai_calls`.
struct CRMAssistant {
    let ai: MeteredLanguageModel

    static let role = "You are the relationship assistant of a CRM. Be concise and factual; never invent facts about people."

    static func json(_ shape: String) -> String {
        "Answer with one JSON object and nothing else, exactly of this shape:\n\(shape)"
    }

    static func describe(_ contact: Contact) -> String {
        var lines = ["Name: \(contact.fullName)", "Type: \(contact.contactType)", "Status: \(contact.status.rawValue)",
                     "Relationship score: \(contact.relationshipScore)/100"]
        if let company = contact.company { lines.append("Company: \(company)") }
        if let title = contact.jobTitle { lines.append("Job title: \(title)") }
        if let city = contact.city { lines.append("City: \([city, contact.state].compactMap { $0 }.joined(separator: ", "))") }
        if !contact.tags.isEmpty { lines.append("Tags: \(contact.tags.joined(separator: ", "))") }
        if let days = contact.daysSinceContact { lines.append("Days since last contact: \(days)") } else { lines.append("Never contacted") }
        if !contact.notes.isEmpty { lines.append("Notes: \(contact.notes.prefix(2000))") }
        return lines.joined(separator: "\n")
    }

    static func describe(_ interactions: [Interaction]) -> String {
        guard !interactions.isEmpty else { return "No interactions yet." }
        return interactions.map { item in
            "- \(ISO8601.string(item.occurredAt)) \(item.interactionType.rawValue) (\(item.sentiment.rawValue)): \(item.subject) \(item.content.prefix(500))"
        }.joined(separator: "\n")
    }

    // MARK: Contact create

    /// The first score, a strategy and when to follow up, for a contact being created.
    func assess(_ new: Contact.New) async throws -> ContactAssessment {
        var facts = ["Name: \(new.fullName)", "Type: \(new.contactType ?? "other")"]
        if let company = new.company { facts.append("Company: \(company)") }
        if let title = new.jobTitle { facts.append("Job title: \(title)") }
        facts.append("Reachable by: \([new.email == nil ? nil : "email", new.phone == nil ? nil : "phone"].compactMap { $0 }.joined(separator: ", "))")
        if let notes = new.notes, !notes.isEmpty { facts.append("Notes: \(notes.prefix(2000))") }
        let system = Self.role + " A contact is being added. Set the initial relationship score (0 cold … 100 very close), suggest an engagement "
            + "strategy for this kind of contact, and say in how many days to follow up first. "
            + Self.json(#"{"relationship_score": 0-100, "engagement_strategy": "…", "follow_up_in_days": 1-90, "follow_up_title": "…"}"#)
        return try await ai.completeJSON(ContactAssessment.self, purpose: "crm.contact_create", system: system, user: facts.joined(separator: "\n")).value
    }

    // MARK: Interaction log

    func analyze(_ new: Interaction.New, of contact: Contact) async throws -> InteractionAnalysis {
        let system = Self.role + " An interaction with a contact is being logged. Read its sentiment, its key topics, the action items it "
            + "creates, and the follow-up tasks it calls for (at most 3). "
            + Self.json(#"{"sentiment": "positive|neutral|negative", "key_topics": ["…"], "action_items": ["…"], "#
                + #""suggested_tasks": [{"title": "…", "due_in_days": 1-90, "priority": "low|medium|high|urgent"}]}"#)
        let user = "Contact:\n\(Self.describe(contact))\n\nInteraction: \(new.interactionType.rawValue)"
            + (new.direction.map { " (\($0.rawValue))" } ?? "") + "\nSubject: \(new.subject ?? "")\nContent: \(new.content ?? "")"
        return try await ai.completeJSON(InteractionAnalysis.self, purpose: "crm.interaction_log", system: system, user: user).value
    }

    // MARK: ai/*

    func analyze(_ contact: Contact, interactions: [Interaction], openTasks: [CRMTask]) async throws -> (ContactAnalysis.Model, LanguageModelReply) {
        let system = Self.role + " Assess the relationship with this contact: its health, the communication pattern, the sentiment trend, "
            + "the next actions, and any opportunities and risks (each a short sentence). "
            + Self.json(#"{"health": "strong|good|fair|at_risk", "summary": "…", "communication_patterns": "…", "#
                + #""sentiment_trend": "improving|stable|declining", "recommended_actions": ["…"], "opportunities": ["…"], "risks": ["…"]}"#)
        let tasks = openTasks.isEmpty ? "None." : openTasks.map { "- \($0.title) (due \($0.dueAt.map(ISO8601.string) ?? "any time"))" }.joined(separator: "\n")
        let user = "Contact:\n\(Self.describe(contact))\n\nRecent interactions, newest first:\n\(Self.describe(interactions))\n\nOpen tasks:\n\(tasks)"
        let (model, reply) = try await ai.completeJSON(ContactAnalysis.Model.self, purpose: "crm.analyze", system: system, user: user)
        return (model, reply)
    }

    func discover(_ subject: String, context: String?, maximum: Int) async throws -> (Discovery.Model, LanguageModelReply) {
        let system = Self.role + " From what is known about this entity, list the people it names or clearly implies who should be contacts "
            + "(at most \(maximum)), with how confident you are (0 to 1) and why. Only people actually mentioned; none is a valid answer. "
            + Self.json(#"{"contacts": [{"full_name": "…", "email": "…or null", "company": "…or null", "job_title": "…or null", "#
                + #""contact_type": "lead|client|partner|vendor|investor|broker|other", "confidence": 0.0-1.0, "reasoning": "…", "#
                + #""relationship_type": "how they relate to the entity, a lower-case word"}]}"#)
        let user = subject + (context.map { "\n\nWhat to look for: \($0)" } ?? "")
        return try await ai.completeJSON(Discovery.Model.self, purpose: "crm.discover", system: system, user: user)
    }

    func draft(_ request: DraftRequest, to contact: Contact, interactions: [Interaction]) async throws -> (DraftedMessage.Model, LanguageModelReply) {
        let channel = request.channel ?? .email
        let system = Self.role + " Draft a \(channel.rawValue) to this contact for the purpose given, in the tone given, matching how the "
            + "relationship has gone so far. Sign off without a name. "
            + Self.json(#"{"subject": "…or null when the channel has none", "body": "…"}"#)
        let user = "Contact:\n\(Self.describe(contact))\n\nRecent interactions, newest first:\n\(Self.describe(interactions))\n\n"
            + "Purpose: \(request.purpose)\nTone: \(request.tone ?? "warm and professional")"
        return try await ai.completeJSON(DraftedMessage.Model.self, purpose: "crm.draft_message", system: system, user: user)
    }

    func followUps(_ contacts: [Contact], limit: Int) async throws -> (FollowUpSuggestions.Model, LanguageModelReply) {
        let system = Self.role + " Here are contacts with their ids. Say who most needs attention now (at most \(limit)), most urgent first, "
            + "using only the ids given. "
            + Self.json(#"{"suggestions": [{"contact_id": "…", "priority": "low|medium|high|urgent", "reason": "…", "suggested_action": "…"}]}"#)
        let user = contacts.map { "Contact id \($0.id.uuidString.lowercased()):\n\(Self.describe($0))" }.joined(separator: "\n\n")
        return try await ai.completeJSON(FollowUpSuggestions.Model.self, purpose: "crm.follow_ups", system: system, user: user)
    }
}

/// The model's reading of a new contact.
struct ContactAssessment: Decodable, Sendable {
    let relationshipScore: Int
    let engagementStrategy: String?
    let followUpInDays: Int?
    let followUpTitle: String?

    enum CodingKeys: String, CodingKey {
        case relationshipScore = "relationship_score", engagementStrategy = "engagement_strategy", followUpInDays = "follow_up_in_days"
        case followUpTitle = "follow_up_title"
    }
}

/// The model's reading of an interaction.
struct InteractionAnalysis: Decodable, Sendable {
    struct SuggestedTask: Decodable, Sendable {
        let title: String
        let dueInDays: Int?
        let priority: Priority?
        enum CodingKeys: String, CodingKey { case title, dueInDays = "due_in_days", priority }
    }

    let sentiment: Sentiment
    let keyTopics: [String]?
    let actionItems: [String]?
    let suggestedTasks: [SuggestedTask]?

    enum CodingKeys: String, CodingKey { case sentiment, keyTopics = "key_topics", actionItems = "action_items", suggestedTasks = "suggested_tasks" }
}
