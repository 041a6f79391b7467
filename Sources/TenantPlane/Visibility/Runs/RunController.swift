import Foundation
import PlatformCore

/// `/visibility/projects/{project_id}/runs`, `/visibility/runs/{run_id}…` and the project's trend.
///
/// Creating a run (API-MAP §4b): the run id is reserved (derived from the `Idempotency-Key` when
/// there is one), the run's job is scheduled a minute ahead as a safety net, the run and its items
/// are written, the ledger is debited under `visibility_run:<id>:debit`, and the job is released.
/// A crash anywhere in between leaves the job to finish the work: it takes the debit itself if
/// none is recorded (the same key, so never twice) and ignores a run that was never written.
struct RunController {
    let providers: [VisibilityProvider]
    let ledger: (any CreditLedger)?
    let jobs: (any TenantJobQueue)?
    let stream: RunStream

    static let projectNotFound = ErrorCase(RunRepository.projectNotFound)
    static let runNotFound = ErrorCase(RunRepository.runNotFound)

    static let create = Endpoint(
        .post, "/api/v1/visibility/projects/{project_id}/runs",
        "Start a run: every chosen query asked of every chosen provider, `repetitions` times; paid for now, worked on in the background",
        body: RunRequest.self, returns: VisibilityRun.self, status: .created,
        errors: [
            projectNotFound, ErrorCase(RunRepository.runInProgress), ErrorCase(RunRepository.noValidQueries), ErrorCase(RunRepository.unknownProvider),
            ErrorCase(RunRepository.tooManyItems), ErrorCase(CreditErrors.insufficient(required: 0, balance: 0)), ErrorCase(Quota.example),
            ErrorCase(MeteredLanguageModel.notConfigured),
        ],
        idempotent: true)
    static let list = Endpoint(
        .get, "/api/v1/visibility/projects/{project_id}/runs", "A project's runs, newest first (`status` filters)",
        query: RunListQuery.self, returns: ListResponse<VisibilityRun>.self, errors: [projectNotFound])
    static let show = Endpoint(
        .get, "/api/v1/visibility/runs/{run_id}", "A run: status, progress counters, models, credits, summary (poll every 10–30 s, or follow its stream)",
        returns: VisibilityRun.self, errors: [runNotFound])
    static let results = Endpoint(
        .get, "/api/v1/visibility/runs/{run_id}/results", "A run's results so far, in the order they were planned (`provider`, `query_id`, `status` filter)",
        query: ResultQuery.self, returns: ListResponse<VisibilityResult>.self, errors: [runNotFound])
    static let scores = Endpoint(
        .get, "/api/v1/visibility/runs/{run_id}/scores", "Per-query scores, per provider and across providers (`*`)",
        returns: QueryScoreList.self, errors: [runNotFound])
    static let usage = Endpoint(
        .get, "/api/v1/visibility/runs/{run_id}/usage", "Every provider call of a run (tokens, latency, cost in micro-USD) and the totals",
        query: Page.self, returns: RunUsage.self, errors: [runNotFound])
    static let cancel = Endpoint(
        .post, "/api/v1/visibility/runs/{run_id}/cancel", "Cancel a pending or running run; items not yet started are refunded",
        returns: VisibilityRun.self, errors: [runNotFound, ErrorCase(RunRepository.notCancellable)])
    static let trend = Endpoint(
        .get, "/api/v1/visibility/projects/{project_id}/trend", "The project's scores over time, one point per finished run (`from`, `to`, `provider`)",
        query: TrendQuery.self, returns: Trend.self, errors: [projectNotFound])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.create, VisibilityAccess.run) { input, context in try await start(input, context) }
        routes.tenant(Self.list, VisibilityAccess.view) { input, context in
            let repository = RunRepository(context)
            let project = try await repository.project(try input.id("project_id"))
            return try await repository.list(project: project.id, input.query)
        }
        routes.tenant(Self.show, VisibilityAccess.view) { input, context in try await RunRepository(context).require(try input.id("run_id")) }
        routes.tenant(Self.results, VisibilityAccess.view) { input, context in
            let repository = RunRepository(context)
            let run = try await repository.require(try input.id("run_id"))
            return try await repository.results(run: run.id, input.query)
        }
        routes.tenant(Self.scores, VisibilityAccess.view) { input, context in
            let repository = RunRepository(context)
            let run = try await repository.require(try input.id("run_id"))
            return QueryScoreList(runID: run.id, items: try await repository.scores(run: run))
        }
        routes.tenant(Self.usage, VisibilityAccess.view) { input, context in
            let repository = RunRepository(context)
            let run = try await repository.require(try input.id("run_id"))
            return try await repository.usage(run: run.id, page: input.query)
        }
        routes.tenant(Self.cancel, VisibilityAccess.run) { input, context in
            let repository = RunRepository(context)
            let (run, credits) = try await repository.cancel(try input.id("run_id"))
            try await refundCancelled(run, credits: credits, context)
            return try await repository.require(run.id)
        }
        routes.tenant(Self.trend, VisibilityAccess.view) { input, context in
            let repository = RunRepository(context)
            let project = try await repository.project(try input.id("project_id"))
            return Trend(projectID: project.id, provider: input.query.provider?.lowercased(), points: try await repository.trend(project: project.id, input.query))
        }
        stream.addRoutes(to: routes, permission: VisibilityAccess.view)
    }

    private func start(_ input: Input<RunRequest, NoQuery>, _ context: TenantContext) async throws -> VisibilityRun {
        let apiKey: UUID? = if case .apiKey(let key) = context.principal { key.id } else { nil }
        let origin = RunOrigin(
            trigger: apiKey == nil ? .manual : .api, member: context.memberID, apiKey: apiKey, actor: context.principal.actingUserID,
            owner: context.principal.scopeName)
        return try await start(
            input.body, project: try input.id("project_id"), origin: origin, idempotencyKey: input.idempotencyKey,
            workspace: context.workspaceID, repository: RunRepository(context))
    }

    /// Starts a run for a person, a key or a signed callback (`origin`).
    func start(
        _ request: RunRequest, project projectID: UUID, origin: RunOrigin, idempotencyKey: String?, workspace: UUID, repository: RunRepository
    ) async throws -> VisibilityRun {
        guard let ledger, let jobs else { throw MeteredLanguageModel.notConfigured }
        let project = try await repository.project(projectID)
        let plan = try await repository.plan(request, project: project, configured: providers)
        let id = RunRepository.runID(workspace: workspace, project: project.id, owner: origin.owner, idempotencyKey: idempotencyKey)
        try await jobs.schedule(
            id: id, kind: VisibilityRunJob.kind, workspace: workspace, payload: ["run_id": .string(id.uuidString.lowercased())],
            delay: .seconds(60), logger: repository.logger)
        var run = try await repository.insert(
            id: id, project: project, plan: plan, name: request.name, trigger: origin.trigger, member: origin.member,
            apiKey: origin.apiKey, idempotencyKey: idempotencyKey)
        if run.ledgerEntryID == nil {
            let receipt: LedgerReceipt
            do {
                receipt = try await ledger.debit(
                    run.creditsCharged, workspace: workspace, key: VisibilityRunJob.debitKey(id), reference: LimitType.visibilityRunReference + id.lowercased,
                    description: "Visibility run: \(run.totalResults) items", actor: origin.actor, logger: repository.logger)
            } catch let error as AppError where error.code == "insufficient_credits" || error.code == "limit_exceeded" {
                try await repository.discard(id)
                throw error
            }
            run = try await repository.recordDebit(id, entry: receipt.entryID)
        }
        try await jobs.release(id: id, logger: repository.logger)
        return run
    }

    /// The credits of the items a cancel stopped go back now (the job would otherwise, under the same key).
    private func refundCancelled(_ run: VisibilityRun, credits: Int, _ context: TenantContext) async throws {
        guard credits > 0, let ledger, let debit = run.ledgerEntryID else { return }
        if let receipt = try await ledger.refund(
            credits, of: debit, workspace: context.workspaceID, key: VisibilityRunJob.refundKey(run.id, "cancelled"),
            description: "Visibility run cancelled", logger: context.logger), !receipt.replayed
        {
            try await RunRepository(context).addRefund(run.id, credits: receipt.credits)
        }
    }
}

/// Who started a run, as the run records it; `owner` scopes the idempotency keys it reserves ids by.
struct RunOrigin {
    let trigger: VisibilityRun.Trigger
    let member: UUID?
    let apiKey: UUID?
    let actor: UUID?
    let owner: String
}
