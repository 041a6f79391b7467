import Foundation
import Logging

/// Background work a tenant plane defines for one workspace (a visibility run, say) and the control
/// plane's job worker runs: claimed, leased, taken over by another worker when its lease lapses,
/// retried. `run` must therefore be safe to start again at any point, finishing what an earlier,
/// killed attempt left.
public protocol TenantJob: Sendable {
    /// The job kind, e.g. `visibility_run`.
    var kind: String { get }
    func run(_ payload: JSONValue, _ context: TenantJobContext) async throws -> JSONValue?
}

/// What a tenant job works with: the workspace's schema, the credit ledger, progress reports
/// (each also renews the job's lease).
public struct TenantJobContext: Sendable {
    public let jobID: UUID
    public let workspaceID: UUID
    public let db: TenantDatabase
    public let ledger: any CreditLedger
    public let logger: Logger
    let reporter: @Sendable (_ progress: Int, _ step: String, _ message: String) async throws -> Void

    public init(
        jobID: UUID, workspaceID: UUID, db: TenantDatabase, ledger: any CreditLedger, logger: Logger,
        reporter: @escaping @Sendable (Int, String, String) async throws -> Void
    ) {
        (self.jobID, self.workspaceID, self.db, self.ledger, self.logger, self.reporter) = (jobID, workspaceID, db, ledger, logger, reporter)
    }

    public func report(_ progress: Int, step: String, message: String) async throws {
        try await reporter(progress, step, message)
    }
}

/// The control plane's job queue as a tenant plane uses it.
public protocol TenantJobQueue: Sendable {
    /// Enqueues a job of `kind` for `workspace` under `id`, due after `delay`; enqueuing the same id
    /// again changes nothing. A delay makes the job a safety net for work a request is about to
    /// start: if the request dies half-way, the job still comes due and finishes or undoes it.
    func schedule(id: UUID, kind: String, workspace: UUID, payload: JSONValue, delay: Duration, logger: Logger) async throws

    /// Makes a scheduled job due now.
    func release(id: UUID, logger: Logger) async throws
}
