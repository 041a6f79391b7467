import Foundation
import PlatformCore

/// A plan on the pricing page: prices in integer minor units, its features and its limits.
struct Tier: APIModel {
    let id: String
    let name: String
    let description: String
    let rank: Int
    let currency: String
    let monthlyPrice: Int
    let yearlyPrice: Int
    let durationMonths: Int
    let trialDays: Int
    let features: [String]
    /// Each limit type's cap; null is unlimited.
    let limits: [String: Int?]

    enum CodingKeys: String, CodingKey {
        case id, name, description, rank, currency, monthlyPrice = "monthly_price", yearlyPrice = "yearly_price"
        case durationMonths = "duration_months", trialDays = "trial_days", features, limits
    }

    static let example = Tier(
        id: "pro", name: "Pro", description: "For small teams", rank: 1, currency: "usd", monthlyPrice: 4900, yearlyPrice: 49000,
        durationMonths: 12, trialDays: 3, features: ["api_access", "channels", "crm", "ai_assistant", "visibility", "audit_log"],
        limits: ["members": 10, "api_keys": 10, "recordsets": 50, "records": 50000, "visibility_credits": 2000])
}

struct TierList: APIModel {
    let items: [Tier]
    static let example = TierList(items: [.example])
}

/// One feature and whether the workspace has it: from its tier, or staff's override.
struct FeatureStatus: APIModel, Row {
    let key: String
    let name: String
    let description: String
    let enabled: Bool
    /// `tier` or `override`.
    let source: String

    init(row: RowReader) throws {
        key = try row("key")
        name = try row("name")
        description = try row("description")
        enabled = try row("enabled")
        source = try row("source")
    }

    init(key: String, name: String, description: String, enabled: Bool, source: String) {
        (self.key, self.name, self.description, self.enabled, self.source) = (key, name, description, enabled, source)
    }

    static let example = FeatureStatus(key: "visibility", name: "AI visibility", description: "Visibility projects and runs", enabled: true, source: "tier")
}

struct FeatureList: APIModel {
    let tier: String
    let items: [FeatureStatus]
    static let example = FeatureList(tier: "pro", items: [.example])
}

/// A limit with the workspace's usage of it.
struct LimitUsage: APIModel {
    let limitType: String
    let name: String
    let description: String
    /// `total` (what exists now) or `month` (used since the month began, UTC).
    let period: String
    /// Null: unlimited.
    let limit: Int?
    let usage: Int
    /// Null when unlimited.
    let remaining: Int?
    /// Usage as a percentage of the limit, one decimal; null when unlimited.
    let percentage: Double?
    /// Whether one more fits.
    let allowed: Bool
    /// `tier` or `override`.
    let source: String

    enum CodingKeys: String, CodingKey {
        case limitType = "limit_type", name, description, period, limit, usage, remaining, percentage, allowed, source
    }

    init(_ definition: LimitDefinition, usage: Int) {
        (limitType, name, description, period, limit, source) = (
            definition.key, definition.name, definition.description, definition.period, definition.value, definition.overridden ? "override" : "tier"
        )
        self.usage = usage
        remaining = limit.map { max(0, $0 - usage) }
        percentage = limit.map { $0 == 0 ? 100 : (Double(usage) / Double($0) * 1000).rounded() / 10 }
        allowed = limit.map { usage < $0 } ?? true
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limitType, forKey: .limitType)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(period, forKey: .period)
        try container.encode(limit, forKey: .limit)
        try container.encode(usage, forKey: .usage)
        try container.encode(remaining, forKey: .remaining)
        try container.encode(percentage, forKey: .percentage)
        try container.encode(allowed, forKey: .allowed)
        try container.encode(source, forKey: .source)
    }

    static let example = LimitUsage(
        LimitDefinition(key: "records", name: "Records", description: "Records not deleted", period: "total", value: 50000, overridden: false),
        usage: 1200)
}

struct LimitsReport: APIModel {
    let tier: String
    let items: [LimitUsage]
    static let example = LimitsReport(tier: "pro", items: [.example])
}

/// A limit type with the workspace's cap on it.
struct LimitDefinition: Row, Sendable {
    let key: String
    let name: String
    let description: String
    let period: String
    let value: Int?
    let overridden: Bool

    init(row: RowReader) throws {
        key = try row("key")
        name = try row("name")
        description = try row("description")
        period = try row("period")
        value = try row("value")
        overridden = try row("overridden")
    }

    init(key: String, name: String, description: String, period: String, value: Int?, overridden: Bool) {
        (self.key, self.name, self.description, self.period, self.value, self.overridden) = (key, name, description, period, value, overridden)
    }
}

/// Who added or removed how many of a limited thing, and when.
struct UsageEvent: APIModel, TableRow {
    let limitType: String
    /// Positive when something was added, negative when removed.
    let delta: Int
    /// What changed, where it is known (`user:<id>`, `api_key:<id>`, `visibility_run:<id>`).
    let subject: String?
    let actor: UsageActor?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case limitType = "limit_type", delta, subject, actor, createdAt = "created_at"
    }

    static let columns: Columns = ["limit_type", "delta", "subject", "actor_user_id", "actor_email", "actor_full_name", "created_at"]

    init(row: RowReader) throws {
        limitType = try row("limit_type")
        delta = try row("delta")
        subject = try row("subject")
        let userID: UUID? = try row("actor_user_id")
        let email: String? = try row("actor_email")
        let fullName: String? = try row("actor_full_name")
        actor = email.map { UsageActor(userID: userID, email: $0, fullName: fullName ?? "") }
        createdAt = try row("created_at")
    }

    init(limitType: String, delta: Int, subject: String?, actor: UsageActor?, createdAt: Date) {
        (self.limitType, self.delta, self.subject, self.actor, self.createdAt) = (limitType, delta, subject, actor, createdAt)
    }

    static let example = UsageEvent(
        limitType: "api_keys", delta: 1, subject: "api_key:1f0c6b1e-8d2a-4c3b-9e4f-5a6b7c8d9e0f",
        actor: UsageActor(userID: UUID(uuidString: "3f1d2c4b-5a6e-4f70-8b9c-0d1e2f3a4b5c"), email: "ada@example.com", fullName: "Ada Lovelace"),
        createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

struct UsageActor: APIModel {
    let userID: UUID?
    let email: String
    let fullName: String

    enum CodingKeys: String, CodingKey { case userID = "user_id", email, fullName = "full_name" }

    static let example = UsageEvent.example.actor!
}

struct UsageEventList: APIModel {
    let items: [UsageEvent]
    let total: Int
    let limit: Int
    let offset: Int
    static let example = UsageEventList(items: [.example], total: 1, limit: 50, offset: 0)
}

/// Staff's override of one limit: a number, or null for unlimited.
struct LimitOverride: RequestBody, APIModel {
    let value: Int?
    let reason: String?

    func validated() throws -> LimitOverride {
        var check = Validation()
        if let value { check.require(value >= 0, "value", "must be 0 or more, or null for unlimited") }
        let reason = reason.map { check.text($0, "reason", length: 0...500) }
        try check.finish("The override is invalid.")
        return LimitOverride(value: value, reason: reason)
    }

    static let example = LimitOverride(value: 25, reason: "Pilot agreement")
}

/// Staff's override of one feature.
struct FeatureOverride: RequestBody, APIModel {
    let enabled: Bool
    let reason: String?

    func validated() throws -> FeatureOverride {
        var check = Validation()
        let reason = reason.map { check.text($0, "reason", length: 0...500) }
        try check.finish("The override is invalid.")
        return FeatureOverride(enabled: enabled, reason: reason)
    }

    static let example = FeatureOverride(enabled: true, reason: "Pilot agreement")
}
