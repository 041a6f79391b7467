import Foundation
import PlatformCore
import PostgresNIO

/// `/billing/credits` (a workspace's balance and ledger) and staff's grants and adjustments.
struct CreditController {
    let accounts: CreditAccounts
    let users: UserRepository
    let audit: AuditLog

    static let statement = Endpoint(
        .get, "/api/v1/billing/credits", "The workspace's credit balance and its ledger, newest entry first",
        query: Page.self, returns: CreditStatement.self)
    static let staffStatement = Endpoint(
        .get, "/api/v1/admin/workspaces/{workspace_id}/credits", "A workspace's credit balance and ledger (staff only)",
        query: Page.self, returns: CreditStatement.self,
        errors: [ErrorCase(ImpersonationController.staffOnly), ErrorCase(CreditAccounts.workspaceNotFound)])
    static let grant = Endpoint(
        .post, "/api/v1/admin/workspaces/{workspace_id}/credits",
        "Grant credits to a workspace, or adjust its balance either way (staff only); with `key`, a retry answers the first entry",
        body: CreditGrant.self, returns: CreditEntry.self, status: .created,
        errors: [
            ErrorCase(ImpersonationController.staffOnly), ErrorCase(CreditAccounts.workspaceNotFound), ErrorCase(CreditAccounts.exceedsBalance),
            ErrorCase(CreditErrors.keyReused),
        ])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.statement, .member) { input, context in
            try await accounts.statement(context.workspaceID, page: input.query, logger: context.logger)
        }
        routes.authenticated(Self.staffStatement) { input, context in
            try await users.requireStaff(context)
            return try await accounts.statement(try input.id("workspace_id"), page: input.query, logger: context.logger)
        }
        routes.authenticated(Self.grant) { input, context in
            let staff = try await users.requireStaff(context)
            let workspace = try input.id("workspace_id")
            let receipt = try await accounts.grant(input.body, workspace: workspace, actor: staff, logger: context.logger)
            if !receipt.replayed {
                await audit.record(
                    .init(.creditsGranted, actor: context.principal, workspaceID: workspace, target: ("credit_entry", receipt.entryID.uuidString.lowercased()),
                          details: ["credits": .number(Double(receipt.credits)), "kind": .string(input.body.kind.rawValue)]),
                    client: input.client, logger: context.logger)
            }
            return try await accounts.entry(receipt.entryID, logger: context.logger)
        }
    }
}
