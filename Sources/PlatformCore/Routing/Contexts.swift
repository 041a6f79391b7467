import Foundation
import Logging

// The contexts handlers receive. Each is built only by `RouteTable` after its access rule has been
// checked, so a handler holding one holds the proof: their initialisers are internal to this module.

/// An open operation: no credentials needed (any sent are not looked at).
public struct OpenContext: Sendable {
    public let logger: Logger
}

/// A signed-in user or an API key.
public struct AuthenticatedContext: Sendable {
    public let principal: Principal
    public let logger: Logger
}

/// A control-plane operation on one workspace the caller may use (no tenant schema involved, so it
/// works while the schema is behind).
public struct WorkspaceContext: Sendable {
    public let principal: Principal
    public let membership: WorkspaceMembership
    public let logger: Logger

    public var workspaceID: UUID { membership.workspaceID }
}

/// A tenant operation: the caller, their member row, and the only handle to the workspace's schema.
public struct TenantContext: Sendable {
    public let principal: Principal
    public let membership: WorkspaceMembership
    public let db: TenantDatabase
    public let logger: Logger
    let limits: any WorkspaceLimits

    public var workspaceID: UUID { membership.workspaceID }
    /// The member a write is attributed to: the caller's, or (for an API key) its creator's.
    public var memberID: UUID? { membership.memberID }

    /// The guard for a write that adds something the workspace's plan limits (`Quota`).
    public func quota(_ type: LimitType) async throws -> Quota {
        .tenant(type, limit: try await limits.limit(type, workspace: workspaceID, logger: logger), in: db)
    }
}

/// A signed callback's workspace, checked against the signature, and the delivery's event id.
public struct SignedContext: Sendable {
    public let workspaceID: UUID
    public let eventID: String
    public let db: TenantDatabase
    public let logger: Logger
}

/// A workspace as one principal may use it, resolved from the control schema in one query.
public struct WorkspaceMembership: Sendable, Equatable {
    public let workspaceID: UUID
    public let status: String
    public let schemaVersion: Int
    public let placement: String
    /// The member's role; nil when the caller is an API key (its scopes decide).
    public let role: Role?
    /// The caller's member id in the tenant schema (for a key: its creator's), when there is one.
    public let memberID: UUID?

    public init(workspaceID: UUID, status: String, schemaVersion: Int, placement: String, role: Role?, memberID: UUID?) {
        self.workspaceID = workspaceID
        self.status = status
        self.schemaVersion = schemaVersion
        self.placement = placement
        self.role = role
        self.memberID = memberID
    }
}
