import Foundation
import PlatformCore

/// `/billing/tiers`, `/features`, `/limits` and `/usage`: what a plan gives and what a workspace
/// uses of it; and staff's per-workspace overrides.
struct BillingController {
    let catalog: BillingCatalog
    let users: UserRepository
    let audit: AuditLog

    static let unknownLimitType = ErrorCase(BillingCatalog.unknownLimitType)
    static let staffErrors = [ErrorCase(ImpersonationController.staffOnly), ErrorCase(CreditAccounts.workspaceNotFound)]

    static let tiers = Endpoint(
        .get, "/api/v1/billing/tiers", "Every public tier with its prices (integer minor units), features and limits (null: unlimited)",
        returns: TierList.self)
    static let features = Endpoint(
        .get, "/api/v1/billing/features", "Every feature and whether the workspace has it, from its tier or an override", returns: FeatureList.self)
    static let limits = Endpoint(
        .get, "/api/v1/billing/limits", "Every limit with the workspace's usage, what remains and the percentage used", returns: LimitsReport.self,
        errors: [ErrorCase(AppError.migrationRequired)])
    static let usage = Endpoint(
        .get, "/api/v1/billing/usage/{limit_type}", "One limit's usage, and whether one more is allowed", returns: LimitUsage.self,
        errors: [unknownLimitType, ErrorCase(AppError.migrationRequired)])
    static let events = Endpoint(
        .get, "/api/v1/billing/usage/events/{limit_type}", "Who added or removed what of one limit, and when; newest first",
        query: Page.self, returns: UsageEventList.self, errors: [unknownLimitType, ErrorCase(AppError.migrationRequired)])
    static let setLimit = Endpoint(
        .put, "/api/v1/admin/workspaces/{workspace_id}/limits/{limit_type}",
        "Override one limit for a workspace (staff only); `value` null is unlimited", body: LimitOverride.self, returns: LimitUsage.self,
        errors: staffErrors + [unknownLimitType, ErrorCase(AppError.migrationRequired)])
    static let clearLimit = Endpoint(
        .delete, "/api/v1/admin/workspaces/{workspace_id}/limits/{limit_type}", "Remove a limit's override: the tier's applies again (staff only)",
        returns: LimitUsage.self, errors: staffErrors + [unknownLimitType, ErrorCase(AppError.migrationRequired)])
    static let setFeature = Endpoint(
        .put, "/api/v1/admin/workspaces/{workspace_id}/features/{feature}", "Turn a feature on or off for a workspace (staff only)",
        body: FeatureOverride.self, returns: FeatureList.self, errors: staffErrors + [ErrorCase(BillingCatalog.unknownFeature)])
    static let clearFeature = Endpoint(
        .delete, "/api/v1/admin/workspaces/{workspace_id}/features/{feature}", "Remove a feature's override (staff only)",
        returns: FeatureList.self, errors: staffErrors + [ErrorCase(BillingCatalog.unknownFeature)])

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.tiers) { _, context in TierList(items: try await catalog.tiers(logger: context.logger)) }
        routes.workspace(Self.features, .member) { _, context in
            try await catalog.features(context.workspaceID, logger: context.logger)
        }
        routes.workspace(Self.limits, .member) { _, context in
            try await catalog.limits(context.workspaceID, logger: context.logger)
        }
        routes.workspace(Self.usage, .member) { input, context in
            try await catalog.usage(try Self.limitType(input), workspace: context.workspaceID, logger: context.logger)
        }
        routes.workspace(Self.events, .member) { input, context in
            try await catalog.events(try Self.limitType(input), workspace: context.workspaceID, page: input.query, logger: context.logger)
        }
        routes.authenticated(Self.setLimit) { input, context in
            let staff = try await users.requireStaff(context)
            let type = try Self.limitType(input), workspace = input.id("workspace_id")
            let usage = try await catalog.overrideLimit(type, input.body, workspace: workspace, staff: staff, logger: context.logger)
            await audit.record(
                .init(.billingOverridden, actor: context.principal, workspaceID: workspace, target: ("limit", type.rawValue),
                      details: ["value": input.body.value.map { .number(Double($0)) } ?? .null]),
                client: input.client, logger: context.logger)
            return usage
        }
        routes.authenticated(Self.clearLimit) { input, context in
            try await users.requireStaff(context)
            let type = try Self.limitType(input), workspace = input.id("workspace_id")
            let usage = try await catalog.clearLimit(type, workspace: workspace, logger: context.logger)
            await audit.record(
                .init(.billingOverridden, actor: context.principal, workspaceID: workspace, target: ("limit", type.rawValue), details: ["cleared": true]),
                client: input.client, logger: context.logger)
            return usage
        }
        routes.authenticated(Self.setFeature) { input, context in
            let staff = try await users.requireStaff(context)
            let feature = input.parameter("feature"), workspace = input.id("workspace_id")
            let list = try await catalog.overrideFeature(feature, input.body, workspace: workspace, staff: staff, logger: context.logger)
            await audit.record(
                .init(.billingOverridden, actor: context.principal, workspaceID: workspace, target: ("feature", feature),
                      details: ["enabled": .bool(input.body.enabled)]),
                client: input.client, logger: context.logger)
            return list
        }
        routes.authenticated(Self.clearFeature) { input, context in
            let staff = try await users.requireStaff(context)
            let feature = input.parameter("feature"), workspace = input.id("workspace_id")
            let list = try await catalog.overrideFeature(feature, nil, workspace: workspace, staff: staff, logger: context.logger)
            await audit.record(
                .init(.billingOverridden, actor: context.principal, workspaceID: workspace, target: ("feature", feature), details: ["cleared": true]),
                client: input.client, logger: context.logger)
            return list
        }
    }

    static func limitType<B, Q>(_ input: Input<B, Q>) throws -> LimitType {
        try LimitType(rawValue: input.parameter("limit_type")).orNotFound(BillingCatalog.unknownLimitType)
    }
}
