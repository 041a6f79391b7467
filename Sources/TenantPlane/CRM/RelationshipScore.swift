import Foundation

/// The relationship score (0–100) and the follow-up rules, deterministic and documented in
/// docs/crm.md. The language model may set a new contact's first score; everything after that is
/// this formula, whoever read the interaction's sentiment.
enum RelationshipScore {
    static let range = 0...100

    /// A new contact: 30, plus what its type says about the relationship, plus 5 for each way to
    /// reach them (email, phone) and 5 for a known company.
    static func initial(contactType: String, hasEmail: Bool, hasPhone: Bool, hasCompany: Bool) -> Int {
        let typeBonus = switch contactType {
        case "client", "customer": 20
        case "partner": 15
        case "investor": 10
        case "lead", "prospect", "vendor": 5
        default: 0
        }
        return clamp(30 + typeBonus + (hasEmail ? 5 : 0) + (hasPhone ? 5 : 0) + (hasCompany ? 5 : 0))
    }

    /// What one interaction is worth: the richer the contact, the more; a negative one costs as
    /// much as a neutral one gains.
    static func points(_ type: InteractionType, _ sentiment: Sentiment) -> Int {
        let neutral = switch type {
        case .meeting: 8
        case .call: 6
        case .email, .message: 3
        case .other: 2
        case .note: 1
        }
        return switch sentiment {
        case .positive: neutral + neutral / 2
        case .neutral: neutral
        case .negative: -neutral
        }
    }

    /// One point per full week since the previous interaction, at most 20; none for the first
    /// interaction or one logged out of order (earlier than the latest).
    static func decay(since previous: Date?, at occurred: Date) -> Int {
        guard let previous, occurred > previous else { return 0 }
        let weeks = Int(occurred.timeIntervalSince(previous) / (7 * 86_400))
        return min(20, weeks)
    }

    /// The score after an interaction: `clamp(score − decay + points)`.
    static func after(score: Int, previous: Date?, type: InteractionType, sentiment: Sentiment, at occurred: Date) -> Int {
        clamp(score - decay(since: previous, at: occurred) + points(type, sentiment))
    }

    static func clamp(_ score: Int) -> Int { min(range.upperBound, max(range.lowerBound, score)) }

    /// The first follow-up task of a new contact is due this many days after creation (when the
    /// model does not say otherwise): soon for someone to win over, within the week for the rest.
    static func followUpDays(contactType: String) -> Int {
        switch contactType {
        case "lead", "prospect": 2
        default: 7
        }
    }

    /// An active contact with no interaction (or, never contacted, no creation) for this many days
    /// gets a `follow_up_needed` insight; twice as long makes it high priority.
    static let followUpAfterDays = 30

    /// A negative interaction that leaves the score below this raises `relationship_at_risk`.
    static let atRiskBelow = 40
}
