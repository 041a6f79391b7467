import Foundation
import PlatformCore

enum InsightType: String, SchemaEnum {
    case followUpNeeded = "follow_up_needed", relationshipAtRisk = "relationship_at_risk", opportunity, risk
}
/// `open` until a person dismisses or actions it, or (a rule's) until a later interaction resolves it.
enum InsightStatus: String, SchemaEnum { case open, actioned, dismissed, resolved }

/// Something about a contact worth acting on: raised by a rule (`follow_up_needed`,
/// `relationship_at_risk`, docs/crm.md) or by the model's analysis (`opportunity`, `risk`).
struct CRMInsight: APIModel, TableRow {
    let id: UUID
    let contactID: UUID
    let insightType: InsightType
    let priority: Priority
    let title: String
    let description: String
    let suggestedAction: String
    let source: AnalysisSource
    let status: InsightStatus
    let actionTaken: String?
    let decidedBy: UUID?
    let decidedAt: Date?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, contactID = "contact_id", insightType = "insight_type", priority, title, description, suggestedAction = "suggested_action", source
        case status, actionTaken = "action_taken", decidedBy = "decided_by", decidedAt = "decided_at", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "contact_id", "insight_type", "priority", "title", "description", "suggested_action", "source", "status", "action_taken", "decided_by",
        "decided_at", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        contactID = try row("contact_id")
        insightType = try row("insight_type")
        priority = try row("priority")
        title = try row("title")
        description = try row("description")
        suggestedAction = try row("suggested_action")
        source = try row("source")
        status = try row("status")
        actionTaken = try row("action_taken")
        decidedBy = try row("decided_by")
        decidedAt = try row("decided_at")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    private init(example: Void) {
        id = CRMExamples.insightID
        contactID = CRMExamples.contactID
        insightType = .followUpNeeded
        priority = .medium
        title = "Follow up with Ada Lovelace"
        description = "No interaction for 34 days."
        suggestedAction = "Call or write to keep the relationship warm."
        source = .rules
        status = .open
        actionTaken = nil
        decidedBy = nil
        decidedAt = nil
        createdAt = CRMExamples.date
        updatedAt = CRMExamples.date
    }

    static let example = CRMInsight(example: ())
}

/// `GET /crm/insights`: by default the open and actioned ones, most urgent first.
struct InsightListQuery: QueryParameters {
    let page: Page
    let priority: [Priority]?
    let insightType: [InsightType]?
    let contactID: UUID?
    /// Also the dismissed ones and those a later interaction resolved.
    let includeDismissed: Bool?

    enum CodingKeys: String, CodingKey { case page, priority, insightType = "insight_type", contactID = "contact_id", includeDismissed = "include_dismissed" }
}

/// `POST /crm/insights/{id}/action?action_taken=`.
struct InsightActionQuery: QueryParameters {
    /// What was done, at most 2,000 characters.
    let actionTaken: String?
    enum CodingKeys: String, CodingKey { case actionTaken = "action_taken" }
}
