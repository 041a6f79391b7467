import PlatformCore

/// The tenant API: every route is registered with `RouteTable.tenant`, so it runs only with a
/// principal, a workspace it may use, and that workspace's `TenantDatabase`.
public struct TenantPlane: Sendable {
    public init() {}

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
    }
}
