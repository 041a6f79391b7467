import Foundation
import Hummingbird
import Logging

// Narrow seams the composition root wires together, so the planes never import each other.

/// Turns request credentials into a principal; nil when the request carries none.
public protocol Authenticating: Sendable {
    func authenticate(_ request: Request, logger: Logger) async throws -> Principal?
}

/// Decides whether a principal may act in a workspace, and how.
public protocol TenantResolving: Sendable {
    func resolve(workspaceID: UUID, principal: Principal, logger: Logger) async throws -> Tenant
}

/// Brings one workspace's schema to the newest tenant migration.
public protocol TenantMigrating: Sendable {
    var latestTenantVersion: Int { get }
    /// Applies what is pending and returns the file names it applied.
    @discardableResult
    func migrateTenant(workspaceID: UUID, logger: Logger) async throws -> [String]
    /// The tenant files newer than `version`.
    func pendingTenantFiles(after version: Int) -> [String]
}
