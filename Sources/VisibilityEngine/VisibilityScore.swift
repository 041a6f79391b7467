/// The score formula of `docs/visibility-score.md`. Keep the two in step.
enum VisibilityScore {
    static let mentionPoints = 35
    static let topProminencePoints = 20
    static let prominenceStepPerRank = 5
    static let citationPoints = 20
    static let linkPoints = 10
    static let maximumTonePoints = 10
    static let followUpPoints = 5

    struct Signals {
        var mentionPosition: Int?
        var isCited: Bool
        var isLinked: Bool
        /// nil when the locale has no lexicon: tone then counts as neutral.
        var sentimentScore: Double?
        var brandInFollowUp: Bool
    }

    static func breakdown(for signals: Signals, notes: [String]) -> ScoreBreakdown {
        let isMentioned = signals.mentionPosition != nil
        let prominence = signals.mentionPosition.map {
            max(0, topProminencePoints - prominenceStepPerRank * ($0 - 1))
        }
        let tone = isMentioned ? tonePoints(signals.sentimentScore ?? 0) : 0
        var breakdown = ScoreBreakdown(
            mention: isMentioned ? mentionPoints : 0,
            prominence: prominence ?? 0,
            citation: signals.isCited ? citationPoints : 0,
            link: signals.isLinked ? linkPoints : 0,
            tone: tone,
            followUp: signals.brandInFollowUp ? followUpPoints : 0,
            total: 0,
            notes: notes)
        breakdown.total =
            breakdown.mention + breakdown.prominence + breakdown.citation + breakdown.link + breakdown.tone
            + breakdown.followUp
        return breakdown
    }

    /// 5 + 5 × score, rounded half away from zero: −1 → 0, 0 → 5, 0.5 → 8, 1 → 10.
    static func tonePoints(_ sentimentScore: Double) -> Int {
        let clamped = min(1, max(-1, sentimentScore))
        return Int((5 + 5 * clamped).rounded(.toNearestOrAwayFromZero))
    }
}
