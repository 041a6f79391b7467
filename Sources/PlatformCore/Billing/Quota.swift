import Foundation
import HTTPTypes
import Logging

/// What a workspace's plan limits.
public enum LimitType: String, Codable, CaseIterable, Sendable {
    case members, apiKeys = "api_keys", recordsets, records, visibilityCredits = "visibility_credits"

    /// How the credit ledger's entries for visibility runs begin: they count toward `visibilityCredits`.
    public static let visibilityRunReference = "visibility_run:"
}

/// Where a workspace's limits come from: its tier, or staff's override for it. The control plane
/// keeps both; the tenant plane asks before a write that adds something limited.
public protocol WorkspaceLimits: Sendable {
    /// The workspace's cap on `type`, or nil when it has none.
    func limit(_ type: LimitType, workspace: UUID, logger: Logger) async throws -> Int?
}

/// The guard on a write that adds something a plan limits, checked in the write's own statement.
///
///     WITH \(quota.lock) INSERT INTO … SELECT … WHERE \(quota.allows(1)) RETURNING …
///
/// `lock` takes the counter's row lock, which every writer of that counter (the triggers that keep
/// it) takes first; a concurrent writer waits, then reads the count the first one left. So twenty
/// concurrent creates against a limit of ten leave exactly ten. No row back means the limit held:
/// `refusal(on:)` says so, with the usage.
public struct Quota: Sendable {
    public let type: LimitType
    public let limit: Int?
    let counter: SQLFragment

    /// A counter in a tenant's schema (records, recordsets).
    public static func tenant(_ type: LimitType, limit: Int?, in db: some TenantQueryable) -> Quota {
        Quota(type: type, limit: limit, counter: "SELECT used FROM \(db.table("usage_counters")) WHERE limit_type = \(type.rawValue)")
    }

    /// A counter in the control schema (members, API keys).
    public static func control(_ type: LimitType, limit: Int?, workspace: UUID) -> Quota {
        Quota(type: type, limit: limit, counter: """
            SELECT used FROM control.workspace_usage WHERE workspace_id = \(workspace) AND limit_type = \(type.rawValue)
            """)
    }

    /// `quota AS (…)`, the first entry of the statement's `WITH`.
    public var lock: SQLFragment { "quota AS (\(counter) FOR UPDATE)" }

    /// True when adding `count` stays within the limit (always, with none).
    public func allows(_ count: Int = 1) -> SQLFragment {
        guard let limit else { return "EXISTS (SELECT 1 FROM quota)" }
        return "(SELECT used FROM quota) + \(count) <= \(limit)"
    }

    /// Throws the 402 when `count` more would pass the limit: after a write that came back empty for
    /// more than one reason, this tells whether the limit was it.
    public func requireRoom(_ count: Int = 1, on db: some Queryable, logger: Logger) async throws {
        guard let limit else { return }
        let used = try await db.value(Int.self, try counter.query, logger: logger) ?? 0
        if used + count > limit { throw Self.exceeded(type, limit: limit, usage: used) }
    }

    /// The 402 for a write that found the limit reached, with the usage now.
    public func refusal(on db: some Queryable, logger: Logger) async throws -> AppError {
        let used = try await db.value(Int.self, try counter.query, logger: logger) ?? 0
        return Self.exceeded(type, limit: limit ?? 0, usage: used)
    }

    public static func exceeded(_ type: LimitType, limit: Int, usage: Int) -> AppError {
        AppError(
            HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), code: "limit_exceeded",
            message: "The workspace's plan allows \(limit) \(type.rawValue.replacingOccurrences(of: "_", with: " ")); upgrade or free some up.",
            details: ["limit_type": .string(type.rawValue), "limit": .number(Double(limit)), "usage": .number(Double(usage))])
    }

    /// The example the route table documents.
    public static let example = exceeded(.records, limit: 1000, usage: 1000)
}
