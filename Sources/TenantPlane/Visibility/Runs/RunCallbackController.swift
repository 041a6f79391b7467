import Foundation
import PlatformCore

/// `POST /visibility/callbacks/n8n`: an automation (an n8n workflow, say) starts runs and reads
/// them without a token, signing each body with its workspace's callback secret, which a workspace
/// admin reads at `GET /visibility/callbacks/n8n/secret`. The body's `event_id` makes a repeated
/// delivery answer what the first did, and starts no second run.
struct RunCallbackController {
    let runs: RunController
    let signer: CallbackSigner

    static let callback = Endpoint(
        .post, "/api/v1/visibility/callbacks/n8n",
        "Automation callback, signed instead of authenticated: `start_run` (a project's run, as `POST …/runs` takes it) or `get_run`",
        body: RunCallback.self, returns: VisibilityRun.self,
        errors: RunController.create.errors.filter { $0.code != "invalid_idempotency_key" } + [RunController.runNotFound])
    static let secret = Endpoint(
        .get, "/api/v1/visibility/callbacks/n8n/secret", "The workspace's callback secret and how to sign with it (workspace admins)",
        returns: CallbackSecret.self)

    func addRoutes(to routes: RouteTable) {
        routes.signed(Self.callback) { input, context in
            let callback = input.body
            let repository = RunRepository(db: context.db, logger: context.logger)
            switch callback.action {
            case .startRun:
                let origin = RunOrigin(trigger: .callback, member: nil, apiKey: nil, actor: nil, owner: "signed")
                return try await runs.start(
                    callback.run, project: callback.projectID!, origin: origin, idempotencyKey: "event \(context.eventID)",
                    workspace: context.workspaceID, repository: repository)
            case .getRun:
                return try await repository.require(callback.runID!)
            }
        }
        routes.tenant(Self.secret, .admin) { _, context in
            CallbackSecret(secret: signer.secret(for: context.workspaceID))
        }
    }
}

/// What `POST /visibility/callbacks/n8n` carries: the signed envelope and the action's arguments.
struct RunCallback: SignedBody, APIModel {
    enum Action: String, SchemaEnum { case startRun = "start_run", getRun = "get_run" }

    /// The delivery's id: a repeat of it replays the first answer (for 24 hours).
    let eventID: String
    let workspaceID: UUID
    let action: Action
    /// `start_run`: the project, and optionally what `POST …/runs` takes.
    let projectID: UUID?
    var name: String?
    var queryIDs: [UUID]?
    var providers: [String]?
    var repetitions: Int?
    /// `get_run`: the run.
    let runID: UUID?

    enum CodingKeys: String, CodingKey {
        case eventID = "event_id", workspaceID = "workspace_id", action, projectID = "project_id", name, queryIDs = "query_ids", providers,
            repetitions, runID = "run_id"
    }

    var run: RunRequest { RunRequest(name: name, queryIDs: queryIDs, providers: providers, repetitions: repetitions) }

    func validated() throws -> RunCallback {
        var check = Validation()
        switch action {
        case .startRun: check.require(projectID != nil, "project_id", "start_run names the project")
        case .getRun: check.require(runID != nil, "run_id", "get_run names the run")
        }
        try check.finish("The callback is invalid.")
        let run = try run.validated()
        var valid = self
        (valid.name, valid.queryIDs, valid.providers, valid.repetitions) = (run.name, run.queryIDs, run.providers, run.repetitions)
        return valid
    }

    static let example = RunCallback(
        eventID: "n8n-exec-4711", workspaceID: UUID(uuidString: "7a0c5a34-1b0e-4f4e-9a43-3c8d2f1e5b6a")!, action: .startRun,
        projectID: VisibilityRun.example.projectID, name: "Nightly", queryIDs: nil, providers: ["openai"], repetitions: 1, runID: nil)
}

/// `GET /visibility/callbacks/n8n/secret`: the secret, and the recipe a workflow follows with it.
struct CallbackSecret: APIModel {
    let secret: String
    var header = CallbackSigner.header.rawName
    var algorithm = "HMAC-SHA256"
    var signedContent = "<t>.<raw body>"
    var format = "t=<unix seconds>,v1=<hex signature>"
    var toleranceSeconds = CallbackSigner.tolerance
    var path = RunCallbackController.callback.path

    enum CodingKeys: String, CodingKey {
        case secret, header, algorithm, signedContent = "signed_content", format, toleranceSeconds = "tolerance_seconds", path
    }

    static let example = CallbackSecret(secret: "whsec_" + String(repeating: "3f", count: 32))
}
