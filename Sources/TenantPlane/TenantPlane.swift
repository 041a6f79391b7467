import PlatformCore

/// The tenant API: every route is registered with `RouteTable.tenant`, so it runs only with a
/// principal, a workspace it may use, and that workspace's `TenantDatabase`.
public struct TenantPlane: Sendable {
    /// The language model the AI features call (CRM helpers, summaries), metered per workspace
    /// through `MeteredLanguageModel`; nil when the server has none configured.
    let languageModel: (any LanguageModel)?

    public init(languageModel: (any LanguageModel)? = nil) {
        self.languageModel = languageModel
    }

    /// The housekeeping the job worker runs in every workspace once a day.
    public static let maintenance: [any TenantMaintenance] = [TrashPurge()]

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
    }
}
