import Foundation
import PlatformCore

enum InteractionType: String, SchemaEnum { case call, email, meeting, message, note, other }
enum Sentiment: String, SchemaEnum { case positive, neutral, negative }
enum InteractionDirection: String, SchemaEnum { case inbound, outbound }
/// Who read something: the caller and the formula (`rules`), or the language model (`ai`).
enum AnalysisSource: String, SchemaEnum { case rules, ai }

/// A call, email, meeting, message or note with a contact. Logging one moves the contact's
/// `last_interaction_at` and relationship score (`score_before` → `score_after`, docs/crm.md).
struct Interaction: APIModel, TableRow {
    let id: UUID
    let contactID: UUID
    let interactionType: InteractionType
    let direction: InteractionDirection?
    let subject: String
    let content: String
    let occurredAt: Date
    let durationMinutes: Int?
    let sentiment: Sentiment
    let keyTopics: [String]
    let actionItems: [String]
    let scoreBefore: Int
    let scoreAfter: Int
    let analyzedBy: AnalysisSource
    let loggedBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, contactID = "contact_id", interactionType = "interaction_type", direction, subject, content, occurredAt = "occurred_at"
        case durationMinutes = "duration_minutes", sentiment, keyTopics = "key_topics", actionItems = "action_items"
        case scoreBefore = "score_before", scoreAfter = "score_after", analyzedBy = "analyzed_by", loggedBy = "logged_by", createdAt = "created_at"
    }

    static let columns: Columns = [
        "id", "contact_id", "interaction_type", "direction", "subject", "content", "occurred_at", "duration_minutes", "sentiment", "key_topics",
        "action_items", "score_before", "score_after", "analyzed_by", "logged_by", "created_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        contactID = try row("contact_id")
        interactionType = try row("interaction_type")
        direction = try (row("direction", as: String?.self)).flatMap(InteractionDirection.init(rawValue:))
        subject = try row("subject")
        content = try row("content")
        occurredAt = try row("occurred_at")
        durationMinutes = try row("duration_minutes")
        sentiment = try row("sentiment")
        keyTopics = try row("key_topics")
        actionItems = try row("action_items")
        scoreBefore = try row("score_before")
        scoreAfter = try row("score_after")
        analyzedBy = try row("analyzed_by")
        loggedBy = try row("logged_by")
        createdAt = try row("created_at")
    }

    init(id: UUID, contactID: UUID, interactionType: InteractionType, direction: InteractionDirection?, subject: String, content: String,
         occurredAt: Date, durationMinutes: Int?, sentiment: Sentiment, keyTopics: [String], actionItems: [String], scoreBefore: Int,
         scoreAfter: Int, analyzedBy: AnalysisSource, loggedBy: UUID?, createdAt: Date) {
        (self.id, self.contactID, self.interactionType, self.direction, self.subject, self.content) = (id, contactID, interactionType, direction, subject, content)
        (self.occurredAt, self.durationMinutes, self.sentiment, self.keyTopics, self.actionItems) = (occurredAt, durationMinutes, sentiment, keyTopics, actionItems)
        (self.scoreBefore, self.scoreAfter, self.analyzedBy, self.loggedBy, self.createdAt) = (scoreBefore, scoreAfter, analyzedBy, loggedBy, createdAt)
    }

    static let example = Interaction(
        id: CRMExamples.interactionID, contactID: CRMExamples.contactID, interactionType: .call, direction: .outbound, subject: "Intro call",
        content: "Talked about the Elm Street listing; she wants the numbers by Friday.", occurredAt: CRMExamples.date, durationMinutes: 20,
        sentiment: .positive, keyTopics: ["elm street"], actionItems: ["Send the numbers"], scoreBefore: 45, scoreAfter: 54, analyzedBy: .ai,
        loggedBy: CRMExamples.memberID, createdAt: CRMExamples.date)

    /// `POST /crm/interactions`. `sentiment`, when sent, is the caller's reading and wins over the model's.
    struct New: RequestBody, APIModel {
        var contactID: UUID
        var interactionType: InteractionType
        var direction: InteractionDirection?
        var subject: String?
        var content: String?
        /// Defaults to now; at most a day ahead.
        var occurredAt: Date?
        var durationMinutes: Int?
        var sentiment: Sentiment?
        var actionItems: [String]?

        enum CodingKeys: String, CodingKey {
            case contactID = "contact_id", interactionType = "interaction_type", direction, subject, content, occurredAt = "occurred_at"
            case durationMinutes = "duration_minutes", sentiment, actionItems = "action_items"
        }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.subject = check.text(subject ?? "", "subject", length: 0...500)
            new.content = check.text(content ?? "", "content", length: 0...20_000)
            check.require((0...1440).contains(durationMinutes ?? 0), "duration_minutes", "must be 0 to 1440")
            if let occurredAt { check.require(occurredAt <= Date().addingTimeInterval(86_400), "occurred_at", "must not be more than a day ahead") }
            new.actionItems = Interaction.cleanItems(actionItems ?? [], "action_items", &check)
            try check.finish("The interaction is invalid.")
            return new
        }

        static let example = New(
            contactID: CRMExamples.contactID, interactionType: .call, direction: .outbound, subject: "Intro call",
            content: "Talked about the Elm Street listing; she wants the numbers by Friday.", occurredAt: nil, durationMinutes: 20,
            sentiment: nil, actionItems: ["Send the numbers"])
    }

    /// Trimmed, without blanks, at most 20 of at most 500 characters.
    static func cleanItems(_ items: [String], _ field: String, _ check: inout Validation) -> [String] {
        let cleaned = items.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        check.require(cleaned.count <= 20, field, "must be at most 20 items")
        check.require(cleaned.allSatisfy { $0.count <= 500 }, field, "each item must be at most 500 characters")
        return cleaned
    }
}

/// What logging an interaction did: the interaction, the contact as it now stands, the tasks the
/// model suggested (made as tasks), and the insights a rule raised.
struct LoggedInteraction: APIModel {
    let interaction: Interaction
    let contact: Contact
    let suggestedTasks: [CRMTask]
    let insights: [CRMInsight]
    /// Set when the model was asked but failed: the formula alone ran, and this says why.
    let aiError: String?

    enum CodingKeys: String, CodingKey { case interaction, contact, suggestedTasks = "suggested_tasks", insights, aiError = "ai_error" }

    static let example = LoggedInteraction(interaction: .example, contact: .example, suggestedTasks: [.example], insights: [], aiError: nil)
}
