import Foundation
import PlatformCore

/// `/records` (§2.9) and its `/crud/records` twin (§2.11). The workspace's matrix gates each route;
/// the record's recordset ACL then decides (404 for what the caller cannot see, 403 for a level).
struct RecordController {
    static let notFound = RecordRepository.notFound
    static let denied = RecordsetRepository.deniedCase
    static let tooLarge = ErrorCase(RecordRepository.tooLarge)
    static let view = Permission.named("can_view_record", scope: "records:read")
    static let create = Permission.named("can_create_record", scope: "records:write")
    static let edit = Permission.named("can_edit_record", scope: "records:write")
    static let delete = Permission.named("can_delete_record", scope: "records:write")

    static let list = Endpoint(
        .get, "/api/v1/records", "Records of the recordsets the caller can see: search, status, tags, field filters, sort, projection",
        query: RecordListQuery.self, returns: ListResponse<Record>.self, errors: [ErrorCase(RecordsetController.notFound)])
    static let show = Endpoint(.get, "/api/v1/records/{record_id}", "A record", returns: Record.self, errors: [ErrorCase(notFound)])
    static let add = Endpoint(
        .post, "/api/v1/records", "Create a record in a recordset (needs can_create there)", body: Record.New.self, returns: Record.self,
        status: .created, errors: [ErrorCase(RecordsetController.notFound), denied, ErrorCase(Quota.example), tooLarge])
    static let bulkDelete = Endpoint(
        .post, "/api/v1/records/bulk-delete", "Delete every record of a recordset, or the records named: all or nothing",
        body: Record.BulkDelete.self, returns: Record.BulkDeleted.self,
        errors: [ErrorCase(RecordsetController.notFound), ErrorCase(notFound), denied, ErrorCase(.forbidden, "bulk_delete_refused")])
    static let replace = Endpoint(
        .put, "/api/v1/records/{record_id}", "Replace a record's data, status and tags (a new version)", body: Record.Replacement.self,
        returns: Record.self, errors: [ErrorCase(notFound), denied, tooLarge])
    static let update = Endpoint(
        .patch, "/api/v1/records/{record_id}", "Merge keys into a record's data, change its status or tags (a new version)",
        body: Record.Change.self, returns: Record.self, errors: [ErrorCase(notFound), denied, tooLarge])
    static let remove = Endpoint(
        .delete, "/api/v1/records/{record_id}", "Delete a record (status deleted; its history stays)", returns: NoContent.self,
        status: .noContent, errors: [ErrorCase(notFound), denied])

    static let crudList = Endpoint(
        .get, "/api/v1/crud/records", "Records, paged and filtered", query: RecordListQuery.self, returns: ListResponse<Record>.self,
        errors: [ErrorCase(RecordsetController.notFound)])
    static let crudShow = Endpoint(.get, "/api/v1/crud/records/{record_id}", "A record", returns: Record.self, errors: [ErrorCase(notFound)])
    static let crudAdd = Endpoint(
        .post, "/api/v1/crud/records", "Create a record", body: Record.New.self, returns: Record.self, status: .created,
        errors: [ErrorCase(RecordsetController.notFound), denied, tooLarge])
    static let crudReplace = Endpoint(
        .put, "/api/v1/crud/records/{record_id}", "Replace a record (a new version)", body: Record.Replacement.self, returns: Record.self,
        errors: [ErrorCase(notFound), denied, tooLarge])
    static let crudUpdate = Endpoint(
        .patch, "/api/v1/crud/records/{record_id}", "Change only the fields sent (a new version)", body: Record.Change.self,
        returns: Record.self, errors: [ErrorCase(notFound), denied, tooLarge])
    static let crudRemove = Endpoint(
        .delete, "/api/v1/crud/records/{record_id}", "Delete a record (soft)", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound), denied])

    func addRoutes(to routes: RouteTable) {
        for endpoint in [Self.list, Self.crudList] {
            routes.tenant(endpoint, Self.view) { input, context in try await RecordRepository(context).list(try RecordQuery(input.query)) }
        }
        for endpoint in [Self.show, Self.crudShow] {
            routes.tenant(endpoint, Self.view) { input, context in try await RecordRepository(context).find(input.id("record_id")) }
        }
        for endpoint in [Self.add, Self.crudAdd] {
            routes.tenant(endpoint, Self.create) { input, context in try await RecordRepository(context).create(input.body) }
        }
        for endpoint in [Self.replace, Self.crudReplace] {
            routes.tenant(endpoint, Self.edit) { input, context in try await RecordRepository(context).replace(input.id("record_id"), input.body) }
        }
        for endpoint in [Self.update, Self.crudUpdate] {
            routes.tenant(endpoint, Self.edit) { input, context in try await RecordRepository(context).merge(input.id("record_id"), input.body) }
        }
        for endpoint in [Self.remove, Self.crudRemove] {
            routes.tenant(endpoint, Self.delete) { input, context in
                try await RecordRepository(context).delete(input.id("record_id"))
                return NoContent()
            }
        }
        routes.tenant(Self.bulkDelete, Self.delete) { input, context in try await RecordRepository(context).bulkDelete(input.body) }
    }
}
