import Foundation

/// Progress of a migration run, as it happens.
public enum MigrationEvent: Sendable, Equatable {
    case applied(schema: String, file: String, durationMs: Int)
    case schemaDone(schema: String, appliedFiles: Int)
    case schemaFailed(schema: String, error: String)
}

public struct FanOutReport: Sendable {
    /// Workspaces that were behind when the run started.
    public let candidates: Int
    public let succeeded: Int
    public let appliedFiles: Int
    public let failures: [(workspaceID: UUID, error: String)]
    public let duration: Duration
}

public struct MigrationPlan: Sendable {
    public struct TenantPlan: Sendable {
        public let workspaceID: UUID
        public let currentVersion: Int
        public let pending: [String]
    }
    public let control: [String]
    public let tenants: [TenantPlan]
}

public struct SchemaStatus: Sendable {
    public let schema: String
    public let workspaceID: UUID?
    public let version: Int
    public let pending: [String]
    public let lastError: String?
}

/// Hands out workspaces one at a time, so fast tenants never wait behind a slow one.
actor WorkQueue {
    private var items: [UUID]
    private var index = 0

    init(_ items: [UUID]) { self.items = items }

    func next() -> UUID? {
        guard index < items.count else { return nil }
        defer { index += 1 }
        return items[index]
    }
}

actor FanOutOutcomes {
    private var succeeded = 0
    private var appliedFiles = 0
    private var failures: [(UUID, String)] = []

    func succeeded(appliedFiles count: Int) {
        succeeded += 1
        appliedFiles += count
    }

    func failed(_ workspaceID: UUID, _ error: String) { failures.append((workspaceID, error)) }

    func report(candidates: Int, duration: Duration) -> FanOutReport {
        FanOutReport(
            candidates: candidates, succeeded: succeeded, appliedFiles: appliedFiles,
            failures: failures.map { (workspaceID: $0.0, error: $0.1) }, duration: duration)
    }
}
