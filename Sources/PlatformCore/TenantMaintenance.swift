import Foundation
import Logging

/// Housekeeping a tenant plane needs in every workspace's schema (emptying the trash, say). The
/// control plane schedules each once a day as a job of its `kind` and runs it workspace by workspace.
public protocol TenantMaintenance: Sendable {
    /// The job kind, e.g. `purge_trash`.
    var kind: String { get }
    /// Does the work in one workspace; answers how many rows it removed or changed. Running it
    /// again (after a crash, say) must be harmless.
    func run(on db: TenantDatabase, now: Date, logger: Logger) async throws -> Int
}
