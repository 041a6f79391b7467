import PlatformCore

/// The tenant API: every route is registered with `RouteTable.tenant`, so it runs only with a
/// principal, a workspace it may use, and that workspace's `TenantDatabase` (or, for the one
/// automation callback, with `RouteTable.signed`: a signature by that workspace's secret).
public struct TenantPlane: Sendable {
    let files: ChannelFiles
    let stream: ChannelStream
    /// The language model the AI features call (CRM helpers, channel summaries), metered per
    /// workspace through `MeteredLanguageModel`; nil when the server has none configured.
    let languageModel: (any LanguageModel)?
    /// The AI-visibility providers of this deployment, and the engine's token prices by model.
    let visibility: VisibilitySettings
    let tokenPrice: @Sendable (String) -> TokenPrice?
    let runs: RunController
    let callbacks: CallbackSigner

    /// `hub` wakes live streams when NOTIFY announces a change; files go under the data folder.
    /// Visibility runs are charged to `ledger` and worked by jobs scheduled on `jobs`, asking
    /// `providers`; without a ledger and a queue, starting a run answers 503.
    public init(
        config: PlatformConfig, hub: NotificationHub, languageModel: (any LanguageModel)? = nil,
        tokenPrice: @escaping @Sendable (String) -> TokenPrice? = { _ in nil }, ledger: (any CreditLedger)? = nil,
        jobs: (any TenantJobQueue)? = nil, providers: [VisibilityProvider] = []
    ) {
        files = ChannelFiles(
            storage: LocalFileStorage(root: config.filesDirectory), signer: URLSigner(secret: config.jwtSecret), publicURL: config.publicURL)
        stream = ChannelStream(hub: hub, feed: ChannelFeed(hub: hub), heartbeat: config.sseHeartbeat)
        self.languageModel = languageModel
        self.visibility = config.visibility
        self.tokenPrice = tokenPrice
        runs = RunController(providers: providers, ledger: ledger, jobs: jobs, stream: RunStream(hub: hub, heartbeat: config.sseHeartbeat))
        callbacks = config.callbackSigner
    }

    /// The background work the job worker runs for workspaces: visibility runs.
    public static func jobs(providers: [VisibilityProvider], limits: RunLimits = RunLimits()) -> [any TenantJob] {
        [VisibilityRunJob(providers: providers, limits: limits)]
    }

    /// The housekeeping the job worker runs in every workspace once a day.
    public static let maintenance: [any TenantMaintenance] = [TrashPurge(), ChannelEventPrune()]

    public func addRoutes(to routes: RouteTable) {
        RecordsetController().addRoutes(to: routes)
        RecordsetViewController().addRoutes(to: routes)
        AccessGrantController().addRoutes(to: routes)
        RecordController().addRoutes(to: routes)
        RecordDetailsController().addRoutes(to: routes)
        PipelineController().addRoutes(to: routes)
        MapController().addRoutes(to: routes)
        PermissionController().addRoutes(to: routes)
        TeamController().addRoutes(to: routes)
        ContactController(languageModel: languageModel).addRoutes(to: routes)
        RelationshipController().addRoutes(to: routes)
        ProposalController().addRoutes(to: routes)
        CRMAIController(languageModel: languageModel).addRoutes(to: routes)
        ChannelController(files: files).addRoutes(to: routes)
        ChannelMessageController(languageModel: languageModel).addRoutes(to: routes)
        ChannelWorkController().addRoutes(to: routes)
        ChannelFileController(files: files).addRoutes(to: routes)
        stream.addRoutes(to: routes)
        files.addRoutes(to: routes)
        VisibilityController(settings: visibility, prices: tokenPrice).addRoutes(to: routes)
        runs.addRoutes(to: routes)
        RunCallbackController(runs: runs, signer: callbacks).addRoutes(to: routes)
    }
}
