import Foundation
import PlatformCore

struct RecordController {
    static let notFound = AppError.notFound("record_not_found", "No record with this id in this workspace.")

    static let create = Endpoint(
        .post, "/api/v1/records", "Create a record in a recordset", body: Record.New.self, returns: Record.self,
        status: .created, errors: [ErrorCase(RecordsetController.notFound)])
    static let list = Endpoint(.get, "/api/v1/records", "List records, optionally of one recordset", query: Record.Filter.self, returns: ListResponse<Record>.self)
    static let show = Endpoint(.get, "/api/v1/records/{record_id}", "Get a record", returns: Record.self, errors: [ErrorCase(notFound)])
    static let update = Endpoint(
        .patch, "/api/v1/records/{record_id}", "Merge keys into a record's data", body: Record.Change.self, returns: Record.self,
        errors: [ErrorCase(notFound)])
    static let delete = Endpoint(
        .delete, "/api/v1/records/{record_id}", "Move a record to the trash", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.create, .named("can_create_record", scope: "records:write")) { input, context in
            try await RecordRepository(context).create(input.body, by: context.memberID).orNotFound(RecordsetController.notFound)
        }
        routes.tenant(Self.list, .recordsRead) { input, context in
            try await RecordRepository(context).list(input.query)
        }
        routes.tenant(Self.show, .recordsRead) { input, context in
            try await RecordRepository(context).find(input.id("record_id")).orNotFound(Self.notFound)
        }
        routes.tenant(Self.update, .named("can_edit_record", scope: "records:write")) { input, context in
            try await RecordRepository(context).merge(input.id("record_id"), input.body).orNotFound(Self.notFound)
        }
        routes.tenant(Self.delete, .named("can_delete_record", scope: "records:write")) { input, context in
            guard try await RecordRepository(context).trash(input.id("record_id")) else { throw Self.notFound }
            return NoContent()
        }
    }
}
