import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// Security events (SPEC §8): who did what, where from, to whom. Recording never fails the request
/// that caused it; a write that cannot be recorded is logged instead.
struct AuditLog: Sendable {
    let client: PostgresClient

    enum Action: String, SchemaEnum {
        case loginSucceeded = "login.succeeded", loginFailed = "login.failed"
        case passwordChanged = "password.changed", passwordReset = "password.reset", passwordResetRequested = "password.reset_requested"
        case accountActivated = "account.activated", tokenReused = "token.reused"
        case apiKeyCreated = "api_key.created", apiKeyRotated = "api_key.rotated", apiKeyRevoked = "api_key.revoked", apiKeyDeleted = "api_key.deleted"
        case roleChanged = "member.role_changed", memberRemoved = "member.removed", memberAdded = "member.added"
        case invitationSent = "invitation.sent", invitationAccepted = "invitation.accepted", invitationCancelled = "invitation.cancelled"
        case impersonationStarted = "impersonation.started", impersonationExchanged = "impersonation.exchanged"
        case userDeleted = "user.deleted", userUpdated = "user.updated"
        case workspaceCreated = "workspace.created", workspaceUpdated = "workspace.updated"
        case permissionsChanged = "permissions.changed"
        case creditsGranted = "credits.granted"
        case billingOverridden = "billing.overridden"
    }

    /// One event. `actor` is the principal when there is one (a failed login has none).
    struct Event: Sendable {
        var action: Action
        var failed = false
        var actorUserID: UUID? = nil
        var actorAPIKeyID: UUID? = nil
        var workspaceID: UUID? = nil
        var target: (type: String, id: String)? = nil
        var details: [String: JSONValue] = [:]

        init(_ action: Action, failed: Bool = false, actor: Principal? = nil, workspaceID: UUID? = nil,
             target: (type: String, id: String)? = nil, details: [String: JSONValue] = [:]) {
            self.action = action
            self.failed = failed
            switch actor {
            case .user(let id, _): actorUserID = id
            case .apiKey(let key): (actorAPIKeyID, actorUserID) = (key.id, key.createdBy)
            case nil: break
            }
            self.workspaceID = workspaceID
            self.target = target
            self.details = details
        }
    }

    func record(_ event: Event, client info: ClientInfo, on db: (any Queryable)? = nil, logger: Logger) async {
        do {
            try await (db ?? client).execute("""
                INSERT INTO control.audit_events
                    (action, outcome, actor_user_id, actor_api_key_id, workspace_id, target_type, target_id, ip, user_agent, details)
                VALUES (\(event.action.rawValue), \(event.failed ? "failure" : "success"), \(event.actorUserID), \(event.actorAPIKeyID),
                        \(event.workspaceID), \(event.target?.type), \(event.target?.id), \(info.ip), \(info.userAgent),
                        \(JSONValue.object(event.details)))
                """, logger: logger)
        } catch {
            logger.error("could not record an audit event", metadata: ["action": "\(event.action.rawValue)", "error": "\(String(reflecting: error))"])
        }
    }

    func list(workspaceID: UUID, _ filter: AuditFilter, logger: Logger) async throws -> ListResponse<AuditEvent> {
        try await client.list(AuditEvent.self, """
            FROM control.audit_events WHERE workspace_id = \(workspaceID)
              AND (\(filter.action?.rawValue)::text IS NULL OR action = \(filter.action?.rawValue))
              AND (\(filter.actorUserID)::uuid IS NULL OR actor_user_id = \(filter.actorUserID))
              AND (\(filter.since)::timestamptz IS NULL OR occurred_at >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR occurred_at < \(filter.until))
            """, orderBy: "occurred_at DESC, id", page: filter.page, logger: logger)
    }
}

/// `GET /audit-log` filters.
struct AuditFilter: QueryParameters {
    let action: AuditLog.Action?
    let actorUserID: UUID?
    let since: Date?
    let until: Date?
    let page: Page

    enum CodingKeys: String, CodingKey { case action, actorUserID = "actor_user_id", since, until, page }
}

struct AuditEvent: APIModel, TableRow {
    let id: UUID
    let occurredAt: Date
    let action: AuditLog.Action
    let outcome: String
    let actorUserID: UUID?
    let actorAPIKeyID: UUID?
    let workspaceID: UUID?
    let targetType: String?
    let targetID: String?
    let ip: String?
    let userAgent: String?
    let details: JSONValue

    enum CodingKeys: String, CodingKey {
        case id, occurredAt = "occurred_at", action, outcome, actorUserID = "actor_user_id", actorAPIKeyID = "actor_api_key_id"
        case workspaceID = "workspace_id", targetType = "target_type", targetID = "target_id", ip, userAgent = "user_agent", details
    }

    static let columns: Columns = [
        "id", "occurred_at", "action", "outcome", "actor_user_id", "actor_api_key_id", "workspace_id", "target_type", "target_id", "ip",
        "user_agent", "details",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        occurredAt = try row("occurred_at")
        action = try row("action")
        outcome = try row("outcome")
        actorUserID = try row("actor_user_id")
        actorAPIKeyID = try row("actor_api_key_id")
        workspaceID = try row("workspace_id")
        targetType = try row("target_type")
        targetID = try row("target_id")
        ip = try row("ip")
        userAgent = try row("user_agent")
        details = try row("details")
    }

    init(id: UUID, occurredAt: Date, action: AuditLog.Action, outcome: String, actorUserID: UUID?, actorAPIKeyID: UUID?, workspaceID: UUID?,
         targetType: String?, targetID: String?, ip: String?, userAgent: String?, details: JSONValue) {
        (self.id, self.occurredAt, self.action, self.outcome) = (id, occurredAt, action, outcome)
        (self.actorUserID, self.actorAPIKeyID, self.workspaceID) = (actorUserID, actorAPIKeyID, workspaceID)
        (self.targetType, self.targetID, self.ip, self.userAgent, self.details) = (targetType, targetID, ip, userAgent, details)
    }

    static let example = AuditEvent(
        id: UUID(uuidString: "0b7e8a51-6a3c-4f0e-9d2b-5c1a7e3f9d40")!, occurredAt: Date(timeIntervalSince1970: 1_790_000_000),
        action: .apiKeyCreated, outcome: "success", actorUserID: UUID(uuidString: "9a0d5e2c-3b4f-4c6d-8e7f-1a2b3c4d5e6f")!, actorAPIKeyID: nil,
        workspaceID: UUID(uuidString: "3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09")!, targetType: "api_key",
        targetID: "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", ip: "203.0.113.7", userAgent: "curl/8.5.0", details: .object(["name": .string("CI")]))
}

/// `GET /api/v1/audit-log`, for the workspace's owners and admins.
struct AuditController: Sendable {
    let log: AuditLog

    static let list = Endpoint(
        .get, "/api/v1/audit-log", "The workspace's security events, newest first (owners and admins)", query: AuditFilter.self,
        returns: ListResponse<AuditEvent>.self)

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.list, .admin) { input, context in
            try await log.list(workspaceID: context.workspaceID, input.query, logger: context.logger)
        }
    }
}
