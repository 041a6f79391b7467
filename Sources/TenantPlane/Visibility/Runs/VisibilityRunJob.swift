import Foundation
import Logging
import PlatformCore
import VisibilityEngine

/// Works a run through: claims its items (SKIP LOCKED, a few at a time, bounded per workspace and
/// per provider), asks the provider, meters the call, analyses the answer and stores it, then
/// writes the scores and the summary, settles the status and refunds failed and cancelled items.
///
/// Safe to start again at any point (the job worker does, when a worker dies): a run never written
/// is ignored; an unpaid one is debited under its key (never twice); items a dead attempt held go
/// back to pending; an item's result is stored only by the attempt that holds its latest claim;
/// refunds have keys too. So every item ends analysed once and every credit is accounted once.
struct VisibilityRunJob: TenantJob {
    static let kind = "visibility_run"
    var kind: String { Self.kind }

    let providers: [VisibilityProvider]
    let limits: RunLimits

    /// Attempts per item before it fails (each attempt is one provider call, which retries 429 and
    /// 5xx itself, honouring `Retry-After`).
    static let maximumAttempts = 3

    static func debitKey(_ run: UUID) -> String { "visibility_run:\(run.lowercased):debit" }
    static func refundKey(_ run: UUID, _ reason: String) -> String { "visibility_run:\(run.lowercased):refund:\(reason)" }

    func run(_ payload: JSONValue, _ context: TenantJobContext) async throws -> JSONValue? {
        guard let raw = payload["run_id"]?.stringValue, let id = UUID(uuidString: raw) else {
            throw AppError.badRequest("invalid_payload", "The visibility run job names no run.")
        }
        let repository = RunRepository(db: context.db, logger: context.logger)
        // The request that scheduled this job never wrote the run (or could not pay for it).
        guard var run = try await repository.find(id) else { return ["outcome": "no_run"] }
        if run.ledgerEntryID == nil {
            guard run.status.isActive else { return ["outcome": .string(run.status.rawValue)] }
            do {
                let receipt = try await context.ledger.debit(
                    run.creditsCharged, workspace: context.workspaceID, key: Self.debitKey(id), reference: LimitType.visibilityRunReference + id.lowercased,
                    description: "Visibility run: \(run.totalResults) items", actor: nil, logger: context.logger)
                run = try await repository.recordDebit(id, entry: receipt.entryID)
            } catch let error as AppError where error.code == "insufficient_credits" || error.code == "limit_exceeded" {
                try await WorkedRun(repository: repository, run: run).fail(error.message)
                return ["outcome": .string(error.code)]
            }
        }
        let worked = WorkedRun(repository: repository, run: run)
        if run.status.isActive {
            try await worked.start()
            let analyzer = try await worked.analyzer()
            try await work(worked, analyzer: analyzer, context)
        }
        let settled = try await worked.finish(ledger: context.ledger, workspace: context.workspaceID)
        try await context.report(100, step: "done", message: "\(settled.status.rawValue): \(settled.completedResults) of \(settled.totalResults) items")
        return ["status": .string(settled.status.rawValue), "completed": .number(Double(settled.completedResults)),
                "failed": .number(Double(settled.failedResults))]
    }

    /// Claims and works items until none is left (or the run is cancelled).
    private func work(_ worked: WorkedRun, analyzer: VisibilityAnalyzer, _ context: TenantJobContext) async throws {
        let reporter = ProgressReporter(total: worked.run.totalResults)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<limits.perRun {
                group.addTask {
                    while let item = try await worked.claim() {
                        try await limits.withSlot(workspace: context.workspaceID, provider: item.provider) {
                            try await ask(item, worked: worked, analyzer: analyzer, context)
                        }
                        if let (done, total) = await reporter.tick() {
                            try await context.report(min(99, done * 100 / max(total, 1)), step: "asking", message: "\(done) of \(total) items")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func ask(_ item: WorkedRun.Item, worked: WorkedRun, analyzer: VisibilityAnalyzer, _ context: TenantJobContext) async throws {
        guard let provider = providers.first(where: { $0.name == item.provider }) else {
            try await worked.failed(item, error: "The provider \(item.provider) is no longer configured.", call: nil)
            return
        }
        let started = ContinuousClock.now
        let answer: ProviderAnswer
        do {
            answer = try await provider.client.answer(item.queryText)
        } catch {
            let call = WorkedRun.Call(
                provider: provider.name, model: provider.model, status: "failed", inputTokens: 0, outputTokens: 0,
                latencyMS: Self.milliseconds(since: started), costMicroUSD: nil, httpStatus: Self.status(of: error), error: error.description)
            if Self.isTransient(error) && item.attempts < Self.maximumAttempts {
                try await worked.retry(item, call: call)
            } else {
                try await worked.failed(item, error: error.description, call: call)
            }
            return
        }
        let call = WorkedRun.Call(
            provider: provider.name, model: answer.usage.model, status: "succeeded", inputTokens: answer.usage.inputTokens,
            outputTokens: answer.usage.outputTokens, latencyMS: answer.usage.latencyMilliseconds, costMicroUSD: answer.usage.costMicroUSD,
            httpStatus: 200, error: nil)
        let analysis = analyzer.analyze(answer.analysisInput(locale: worked.run.locale))
        try await worked.succeeded(item, answer: answer, analysis: analysis, call: call)
    }

    static func isTransient(_ error: ProviderError) -> Bool {
        switch error {
        case .unavailable, .timedOut, .transport: true
        case .missingAPIKey, .requestRejected, .malformedResponse: false
        }
    }

    static func status(of error: ProviderError) -> Int? {
        switch error {
        case .requestRejected(let status, _), .unavailable(let status, _, _): status
        default: nil
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Reports at most once a second (each report is a job event and renews the lease).
private actor ProgressReporter {
    let total: Int
    var done = 0
    var last = ContinuousClock.now

    init(total: Int) { self.total = total }

    func tick() -> (Int, Int)? {
        done += 1
        guard ContinuousClock.now - last >= .seconds(1) else { return nil }
        last = ContinuousClock.now
        return (done, total)
    }
}

/// How many items are asked at once: per run, per workspace and per provider (in this process).
public struct RunLimits: Sendable {
    public let perRun: Int
    let workspaces: KeyedLimiter
    let providers: KeyedLimiter

    public init(perRun: Int = 4, perWorkspace: Int = 8, perProvider: Int = 16) {
        self.perRun = perRun
        workspaces = KeyedLimiter(limit: perWorkspace)
        providers = KeyedLimiter(limit: perProvider)
    }

    func withSlot<T: Sendable>(workspace: UUID, provider: String, _ body: () async throws -> T) async throws -> T {
        try await workspaces.withSlot(workspace.lowercased) {
            try await providers.withSlot(provider, body)
        }
    }
}

/// A counting semaphore per key.
actor KeyedLimiter {
    let limit: Int
    private var inUse: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) { self.limit = max(1, limit) }

    nonisolated func withSlot<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let value = try await body()
            await release(key)
            return value
        } catch {
            await release(key)
            throw error
        }
    }

    private func acquire(_ key: String) async {
        if inUse[key, default: 0] < limit {
            inUse[key, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    private func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            inUse[key, default: 1] -= 1
            if inUse[key] == 0 { inUse[key] = nil }
        }
    }
}
