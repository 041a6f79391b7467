import Foundation
import Hummingbird
import Logging
import PostgresNIO

// Narrow seams the composition root wires together, so the planes never import each other.

/// Turns request credentials into a principal; nil when the request carries none.
public protocol Authenticating: Sendable {
    func authenticate(_ request: Request, logger: Logger) async throws -> Principal?
}

/// How a principal stands in a workspace; nil when it may not use it (or it does not exist, which
/// must look the same).
public protocol WorkspaceResolving: Sendable {
    func membership(workspaceID: UUID, principal: Principal, logger: Logger) async throws -> WorkspaceMembership?
    /// The workspace alone (no role, no member), for a caller whose signature already named it.
    func workspace(_ id: UUID, logger: Logger) async throws -> WorkspaceMembership?
}

/// Brings one workspace's schema to the newest tenant migration.
public protocol TenantMigrating: Sendable {
    var latestTenantVersion: Int { get }
    /// Applies what is pending and returns the file names it applied.
    @discardableResult
    func migrateTenant(workspaceID: UUID, logger: Logger) async throws -> [String]
    /// The tenant files newer than `version`.
    func pendingTenantFiles(after version: Int) -> [String]
    /// Creates a workspace's schema (empty) and opens it to the tenant role.
    func createTenantSchema(workspaceID: UUID, logger: Logger) async throws
    func dropTenantSchema(workspaceID: UUID, logger: Logger) async throws
    /// The schema's name, recorded in `control.workspaces` for operators.
    func schemaName(of workspaceID: UUID) -> String
    /// In the transaction that creates the workspace: renames a warm schema (made ahead, at the
    /// current version) to the workspace's; false when none is ready.
    func claimWarmSchema(for workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool
    /// Makes one warm schema when fewer than `count` are ready or being made; false when enough are.
    func makeWarmSchema(upTo count: Int, logger: Logger) async throws -> Bool
}
