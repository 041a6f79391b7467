import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Tiers, features and limits as the control schema holds them, and each workspace's usage: the
/// control schema counts members and API keys, a tenant's schema its recordsets and records, and
/// the credit ledger what visibility runs spent this month.
///
/// A workspace's tier is its subscription's while that is trialing, active or past due; otherwise
/// (canceled, unpaid, incomplete, or none) it is `free`. Staff's overrides win over the tier.
struct BillingCatalog: WorkspaceLimits {
    let client: PostgresClient
    let members: WorkspaceMembers

    static let unknownLimitType = AppError.notFound(
        "unknown_limit_type", "No such limit type; use members, api_keys, recordsets, records or visibility_credits.")
    static let unknownFeature = AppError.notFound("unknown_feature", "No such feature.")
    static let fallbackTier = "free"

    /// The tier whose features and limits apply to `workspace`.
    static func effectiveTier(_ workspace: UUID) -> SQLFragment {
        """
        coalesce((SELECT tier_id FROM control.subscriptions
                  WHERE workspace_id = \(workspace) AND status IN ('trialing', 'active', 'past_due')), 'free')
        """
    }

    func tiers(logger: Logger) async throws -> [Tier] {
        try await client.all(TierRow.self, """
            SELECT t.id, t.name, t.description, t.rank, t.currency, t.monthly_price, t.yearly_price, t.duration_months, t.trial_days,
                   coalesce((SELECT array_agg(f.feature ORDER BY f.feature) FROM control.billing_tier_features f WHERE f.tier_id = t.id), '{}') AS features,
                   coalesce((SELECT jsonb_object_agg(lt.key, l.value) FROM control.billing_limit_types lt
                             LEFT JOIN control.billing_tier_limits l ON l.tier_id = t.id AND l.limit_type = lt.key), '{}') AS limits
            FROM control.billing_tiers t WHERE t.is_public ORDER BY t.rank
            """, logger: logger).map(\.tier)
    }

    func tier(of workspace: UUID, logger: Logger) async throws -> String {
        try await client.value(String.self, "SELECT \(Self.effectiveTier(workspace))", logger: logger) ?? Self.fallbackTier
    }

    func features(_ workspace: UUID, logger: Logger) async throws -> FeatureList {
        let tier = try await tier(of: workspace, logger: logger)
        let items = try await client.all(FeatureStatus.self, """
            SELECT f.key, f.name, f.description,
                   coalesce(o.enabled, EXISTS (SELECT 1 FROM control.billing_tier_features tf WHERE tf.tier_id = \(tier) AND tf.feature = f.key)) AS enabled,
                   CASE WHEN o.enabled IS NULL THEN 'tier' ELSE 'override' END AS source
            FROM control.billing_features f
            LEFT JOIN control.workspace_feature_overrides o ON o.workspace_id = \(workspace) AND o.feature = f.key
            ORDER BY f.key
            """, logger: logger)
        return FeatureList(tier: tier, items: items)
    }

    /// Every limit type with the workspace's cap on it.
    func definitions(_ workspace: UUID, only type: LimitType? = nil, on db: some Queryable, logger: Logger) async throws -> [LimitDefinition] {
        try await db.all(LimitDefinition.self, """
            SELECT lt.key, lt.name, lt.description, lt.period,
                   CASE WHEN o.workspace_id IS NULL THEN l.value ELSE o.value END AS value, o.workspace_id IS NOT NULL AS overridden
            FROM control.billing_limit_types lt
            LEFT JOIN control.billing_tier_limits l ON l.tier_id = \(Self.effectiveTier(workspace)) AND l.limit_type = lt.key
            LEFT JOIN control.workspace_limit_overrides o ON o.workspace_id = \(workspace) AND o.limit_type = lt.key
            WHERE \(type?.rawValue)::text IS NULL OR lt.key = \(type?.rawValue)
            ORDER BY lt.key
            """, logger: logger)
    }

    func limit(_ type: LimitType, workspace: UUID, logger: Logger) async throws -> Int? {
        try await limit(type, workspace: workspace, on: client, logger: logger)
    }

    func limit(_ type: LimitType, workspace: UUID, on db: some Queryable, logger: Logger) async throws -> Int? {
        try await definitions(workspace, only: type, on: db, logger: logger).first?.value
    }

    /// The guard for a control-schema write that adds a member or an API key.
    func quota(_ type: LimitType, workspace: UUID, logger: Logger) async throws -> Quota {
        .control(type, limit: try await limit(type, workspace: workspace, logger: logger), workspace: workspace)
    }

    func limits(_ workspace: UUID, logger: Logger) async throws -> LimitsReport {
        async let tier = tier(of: workspace, logger: logger)
        async let definitions = definitions(workspace, on: client, logger: logger)
        async let usage = usage(workspace, logger: logger)
        let used = try await usage
        return LimitsReport(tier: try await tier, items: try await definitions.map { LimitUsage($0, usage: used[$0.key] ?? 0) })
    }

    func usage(_ type: LimitType, workspace: UUID, logger: Logger) async throws -> LimitUsage {
        guard let definition = try await definitions(workspace, only: type, on: client, logger: logger).first else { throw Self.unknownLimitType }
        return LimitUsage(definition, usage: try await usage(workspace, logger: logger)[type.rawValue] ?? 0)
    }

    /// Every counted limit's usage, by limit type.
    func usage(_ workspace: UUID, logger: Logger) async throws -> [String: Int] {
        let db = try await members.tenantDatabase(workspace, logger: logger)
        async let control = client.all(Counter.self, """
            SELECT limit_type, used FROM control.workspace_usage WHERE workspace_id = \(workspace)
            UNION ALL
            SELECT 'visibility_credits', \(Self.visibilityCreditsUsed(workspace))
            """, logger: logger)
        async let tenant = Self.tenantSide { try await db.all(Counter.self, "SELECT limit_type, used FROM \(db.table("usage_counters"))", logger: logger) }
        var used: [String: Int] = [:]
        for counter in try await control + tenant { used[counter.limitType] = counter.used }
        return used
    }

    /// Credits visibility runs debited since the month began (UTC), less what was refunded of them.
    static func visibilityCreditsUsed(_ workspace: UUID) -> SQLFragment {
        """
        (SELECT coalesce(sum(-d.credits - coalesce((SELECT sum(r.credits) FROM control.credit_entries r WHERE r.refund_of = d.id), 0)), 0)::bigint
         FROM control.credit_entries d
         WHERE d.workspace_id = \(workspace) AND d.kind = 'debit' AND d.reference LIKE 'visibility_run:%'
           AND d.created_at >= date_trunc('month', now(), 'UTC'))
        """
    }

    /// Who added or removed what, newest first.
    func events(_ type: LimitType, workspace: UUID, page: Page, logger: Logger) async throws -> UsageEventList {
        let list: ListResponse<UsageEvent>
        switch type {
        case .members, .apiKeys:
            list = try await client.list(UsageEvent.self, """
                FROM (SELECT e.id, e.limit_type, e.delta, e.subject, e.created_at,
                             u.id AS actor_user_id, u.email AS actor_email, u.full_name AS actor_full_name
                      FROM control.usage_events e LEFT JOIN control.users u ON u.id = e.actor_id
                      WHERE e.workspace_id = \(workspace) AND e.limit_type = \(type.rawValue)) e
                """, orderBy: "e.created_at DESC, e.id DESC", page: page, logger: logger)
        case .visibilityCredits:
            // The ledger's debits and refunds of visibility runs; a refund is its run starter's.
            list = try await client.list(UsageEvent.self, """
                FROM (SELECT e.id, 'visibility_credits' AS limit_type, -e.credits AS delta, e.reference AS subject, e.created_at,
                             u.id AS actor_user_id, u.email AS actor_email, u.full_name AS actor_full_name
                      FROM control.credit_entries e
                      LEFT JOIN control.credit_entries d ON d.id = e.refund_of
                      LEFT JOIN control.users u ON u.id = coalesce(e.actor_id, d.actor_id)
                      WHERE e.workspace_id = \(workspace) AND e.kind IN ('debit', 'refund') AND e.reference LIKE 'visibility_run:%') e
                """, orderBy: "e.created_at DESC, e.id DESC", page: page, logger: logger)
        case .records, .recordsets:
            let db = try await members.tenantDatabase(workspace, logger: logger)
            list = try await Self.tenantSide { try await db.list(UsageEvent.self, """
                FROM (SELECT e.id, e.limit_type, e.delta, NULL::text AS subject, e.created_at,
                             m.user_id AS actor_user_id, m.email AS actor_email, m.full_name AS actor_full_name
                      FROM \(db.table("usage_events")) e LEFT JOIN \(db.table("members")) m ON m.id = e.actor_id
                      WHERE e.limit_type = \(type.rawValue)) e
                """, orderBy: "e.created_at DESC, e.id DESC", page: page, logger: logger) }
        }
        return UsageEventList(items: list.items, total: list.total, limit: list.limit, offset: list.offset)
    }

    /// A read of the tenant's counters: a schema not yet at the version that has them (or not yet
    /// made) answers 503 `migration_required`, as tenant routes do.
    private static func tenantSide<T: Sendable>(_ read: () async throws -> T) async throws -> T {
        do {
            return try await read()
        } catch let error as PSQLError where ["42P01", "3F000"].contains(error.serverInfo?[.sqlState] ?? "") {
            throw AppError.migrationRequired
        }
    }

    // MARK: Staff's overrides

    func overrideLimit(_ type: LimitType, _ change: LimitOverride, workspace: UUID, staff: UUID, logger: Logger) async throws -> LimitUsage {
        try await requireWorkspace(workspace, logger: logger)
        try await client.execute("""
            INSERT INTO control.workspace_limit_overrides (workspace_id, limit_type, value, reason, set_by)
            VALUES (\(workspace), \(type.rawValue), \(change.value), \(change.reason ?? ""), \(staff))
            ON CONFLICT (workspace_id, limit_type) DO UPDATE
                SET value = EXCLUDED.value, reason = EXCLUDED.reason, set_by = EXCLUDED.set_by, updated_at = now()
            """, logger: logger)
        return try await usage(type, workspace: workspace, logger: logger)
    }

    func clearLimit(_ type: LimitType, workspace: UUID, logger: Logger) async throws -> LimitUsage {
        try await requireWorkspace(workspace, logger: logger)
        try await client.execute("""
            DELETE FROM control.workspace_limit_overrides WHERE workspace_id = \(workspace) AND limit_type = \(type.rawValue)
            """, logger: logger)
        return try await usage(type, workspace: workspace, logger: logger)
    }

    func overrideFeature(_ feature: String, _ change: FeatureOverride?, workspace: UUID, staff: UUID, logger: Logger) async throws -> FeatureList {
        try await requireWorkspace(workspace, logger: logger)
        guard try await client.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM control.billing_features WHERE key = \(feature))", logger: logger) == true
        else { throw Self.unknownFeature }
        if let change {
            try await client.execute("""
                INSERT INTO control.workspace_feature_overrides (workspace_id, feature, enabled, reason, set_by)
                VALUES (\(workspace), \(feature), \(change.enabled), \(change.reason ?? ""), \(staff))
                ON CONFLICT (workspace_id, feature) DO UPDATE
                    SET enabled = EXCLUDED.enabled, reason = EXCLUDED.reason, set_by = EXCLUDED.set_by, updated_at = now()
                """, logger: logger)
        } else {
            try await client.execute(
                "DELETE FROM control.workspace_feature_overrides WHERE workspace_id = \(workspace) AND feature = \(feature)", logger: logger)
        }
        return try await features(workspace, logger: logger)
    }

    private func requireWorkspace(_ workspace: UUID, logger: Logger) async throws {
        guard try await client.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM control.workspaces WHERE id = \(workspace))", logger: logger) == true
        else { throw CreditAccounts.workspaceNotFound }
    }

    private struct Counter: Row {
        let limitType: String
        let used: Int
        init(row: RowReader) throws {
            limitType = try row("limit_type")
            used = try row("used")
        }
    }
}

/// A tier as read, before it is shaped for the API.
private struct TierRow: Row {
    let tier: Tier

    init(row: RowReader) throws {
        let limits: JSONValue = try row("limits")
        var caps: [String: Int?] = [:]
        for (key, value) in limits.objectValue ?? [:] { caps.updateValue(value.numberValue.map { Int($0) }, forKey: key) }
        tier = Tier(
            id: try row("id"), name: try row("name"), description: try row("description"), rank: try row("rank"), currency: try row("currency"),
            monthlyPrice: try row("monthly_price"), yearlyPrice: try row("yearly_price"), durationMonths: try row("duration_months"),
            trialDays: try row("trial_days"), features: try row("features"), limits: caps)
    }
}
