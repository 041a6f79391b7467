import Foundation
import PlatformCore

/// The seed's map features (NDJSON map streams, spatial filters, map mode and promoted GIS
/// columns) need PostGIS, which this platform does not install. They are known routes that answer
/// 501 `not_supported` (after their access rule) and are marked `x-implemented: false`.
struct MapController {
    static let reason = "Map features need PostGIS, which this platform does not provide."

    static let stream = Endpoint(.get, "/api/v1/records/map-stream", "Stream records for a map (NDJSON; not supported)", returns: NoContent.self)
        .unsupported(reason)
    static let spatialFilter = Endpoint(
        .post, "/api/v1/records/spatial-filter", "Filter records by a spatial relation (not supported)", returns: NoContent.self
    ).unsupported(reason)
    static let enableMap = Endpoint(
        .post, "/api/v1/recordsets/{recordset_slug}/enable-map", "Turn on map mode and backfill GIS columns (not supported)", returns: NoContent.self
    ).unsupported(reason)
    static let resyncPromoted = Endpoint(
        .post, "/api/v1/recordsets/{recordset_slug}/resync-promoted", "Re-sync promoted GIS columns (not supported)", returns: NoContent.self
    ).unsupported(reason)

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.stream, RecordController.view) { _, _ in NoContent() }
        routes.tenant(Self.spatialFilter, RecordController.view) { _, _ in NoContent() }
        routes.tenant(Self.enableMap, RecordsetController.edit) { _, _ in NoContent() }
        routes.tenant(Self.resyncPromoted, RecordsetController.edit) { _, _ in NoContent() }
    }
}
