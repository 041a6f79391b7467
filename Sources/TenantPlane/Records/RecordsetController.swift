import Foundation
import PlatformCore

struct RecordsetController {
    static let notFound = AppError.notFound("recordset_not_found", "No recordset with this id in this workspace.")

    static let create = Endpoint(
        .post, "/api/v1/recordsets", "Create a recordset", body: Recordset.New.self, returns: Recordset.self, status: .created)
    static let list = Endpoint(.get, "/api/v1/recordsets", "List recordsets", query: Page.self, returns: ListResponse<Recordset>.self)
    static let show = Endpoint(.get, "/api/v1/recordsets/{recordset_id}", "Get a recordset", returns: Recordset.self, errors: [ErrorCase(notFound)])
    static let update = Endpoint(
        .patch, "/api/v1/recordsets/{recordset_id}", "Rename or describe a recordset", body: Recordset.Change.self, returns: Recordset.self,
        errors: [ErrorCase(notFound)])
    static let delete = Endpoint(
        .delete, "/api/v1/recordsets/{recordset_id}", "Move a recordset to the trash", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.create, .named("can_create_recordset", scope: "records:write")) { input, context in
            try await RecordsetRepository(context).create(input.body, by: context.memberID)
        }
        routes.tenant(Self.list, .recordsRead) { input, context in
            try await RecordsetRepository(context).list(input.query)
        }
        routes.tenant(Self.show, .recordsRead) { input, context in
            try await RecordsetRepository(context).find(input.id("recordset_id")).orNotFound(Self.notFound)
        }
        routes.tenant(Self.update, .named("can_edit_recordset", scope: "records:write")) { input, context in
            try await RecordsetRepository(context).update(input.id("recordset_id"), input.body).orNotFound(Self.notFound)
        }
        routes.tenant(Self.delete, .named("can_delete_recordset", scope: "records:write")) { input, context in
            guard try await RecordsetRepository(context).trash(input.id("recordset_id")) else { throw Self.notFound }
            return NoContent()
        }
    }
}
