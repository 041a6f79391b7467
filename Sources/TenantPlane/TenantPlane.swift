import Hummingbird
import PlatformCore
import PostgresNIO

/// The tenant API: every route runs under a `TenantContext`, so it cannot run without a principal
/// and a workspace, and every query is scoped to that workspace's schema.
public struct TenantPlane: Sendable {
    let recordsets: RecordsetController
    let records: RecordController

    public init(client: PostgresClient) {
        self.recordsets = RecordsetController(repository: RecordsetRepository(client: client))
        self.records = RecordController(repository: RecordRepository(client: client))
    }

    public func addRoutes(to group: RouterGroup<TenantContext>) {
        recordsets.addRoutes(to: group)
        records.addRoutes(to: group)
    }
}
