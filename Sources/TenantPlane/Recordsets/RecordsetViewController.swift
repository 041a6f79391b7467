import Foundation
import PlatformCore

/// `/recordsets/{recordset_slug}/views`: saved filters, sort and columns. Whoever sees the
/// recordset sees and saves views; a view is changed or deleted by its author or a recordset admin.
struct RecordsetViewController {
    static let notFound = AppError.notFound("view_not_found", "No view with this id on this recordset.")
    static let notYours = AppError.forbidden("view_not_yours", "Only the view's author or a recordset admin may change it.")

    static let list = Endpoint(
        .get, "/api/v1/recordsets/{recordset_slug}/views", "A recordset's saved views", returns: RecordsetViewList.self,
        errors: [ErrorCase(RecordsetController.notFound)])
    static let create = Endpoint(
        .post, "/api/v1/recordsets/{recordset_slug}/views", "Save a view of a recordset", body: RecordsetView.New.self, returns: RecordsetView.self,
        status: .created, errors: [ErrorCase(RecordsetController.notFound)])
    static let replace = Endpoint(
        .put, "/api/v1/recordsets/{recordset_slug}/views/{view_id}", "Replace a view", body: RecordsetView.New.self, returns: RecordsetView.self,
        errors: [ErrorCase(RecordsetController.notFound), ErrorCase(notFound), ErrorCase(notYours)])
    static let update = Endpoint(
        .patch, "/api/v1/recordsets/{recordset_slug}/views/{view_id}", "Change some of a view's fields", body: RecordsetView.Change.self,
        returns: RecordsetView.self, errors: [ErrorCase(RecordsetController.notFound), ErrorCase(notFound), ErrorCase(notYours)])
    static let delete = Endpoint(
        .delete, "/api/v1/recordsets/{recordset_slug}/views/{view_id}", "Delete a view", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(RecordsetController.notFound), ErrorCase(notFound), ErrorCase(notYours)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, RecordsetController.view) { input, context in
            let recordset = try await RecordsetRepository(context).require(input.recordset, .canView).recordset
            return RecordsetViewList(items: try await context.db.all(RecordsetView.self, """
                SELECT \(RecordsetView.columns) FROM \(context.db.table("recordset_views"))
                WHERE recordset_id = \(recordset.id) ORDER BY is_default DESC, created_at, id
                """, logger: context.logger))
        }
        routes.tenant(Self.create, RecordsetController.view) { input, context in
            let recordset = try await RecordsetRepository(context).require(input.recordset, .canView).recordset
            let new = input.body
            return try await context.db.transaction(logger: context.logger) { transaction in
                if new.isDefault == true { try await clearDefault(recordset.id, transaction, context) }
                return try await transaction.first(RecordsetView.self, """
                    INSERT INTO \(transaction.table("recordset_views")) (recordset_id, name, filters, sort, columns, is_default, created_by)
                    VALUES (\(recordset.id), \(new.name), \(new.filters ?? JSONObject()), \(try JSONValue(encoding: new.sort ?? [])),
                            \(new.columns ?? []), \(new.isDefault ?? false), \(context.memberID))
                    RETURNING \(RecordsetView.columns)
                    """, logger: context.logger)!
            }
        }
        routes.tenant(Self.replace, RecordsetController.view) { input, context in
            let new = input.body
            let change = RecordsetView.Change(
                name: .value(new.name), filters: .value(new.filters ?? JSONObject()), sort: .value(new.sort ?? []), columns: .value(new.columns ?? []),
                isDefault: .value(new.isDefault ?? false))
            return try await update(input.recordset, input.id("view_id"), change, context)
        }
        routes.tenant(Self.update, RecordsetController.view) { input, context in
            try await update(input.recordset, input.id("view_id"), input.body, context)
        }
        routes.tenant(Self.delete, RecordsetController.view) { input, context in
            let (recordset, _) = try await editable(input.recordset, input.id("view_id"), context)
            try await context.db.execute(
                "DELETE FROM \(context.db.table("recordset_views")) WHERE id = \(input.id("view_id")) AND recordset_id = \(recordset)", logger: context.logger)
            return NoContent()
        }
    }

    /// The view, if the caller may change it: its author, or an admin of the recordset.
    private func editable(_ key: RecordsetKey, _ id: UUID, _ context: TenantContext) async throws -> (UUID, RecordsetView) {
        let recordset = try await RecordsetRepository(context).require(key, .canView)
        let view = try await context.db.first(RecordsetView.self, """
            SELECT \(RecordsetView.columns) FROM \(context.db.table("recordset_views")) WHERE id = \(id) AND recordset_id = \(recordset.recordset.id)
            """, logger: context.logger).orNotFound(Self.notFound)
        guard recordset.levels.canAdmin || (view.createdBy != nil && view.createdBy == context.memberID) else { throw Self.notYours }
        return (recordset.recordset.id, view)
    }

    private func update(_ key: RecordsetKey, _ id: UUID, _ change: RecordsetView.Change, _ context: TenantContext) async throws -> RecordsetView {
        let (recordset, _) = try await editable(key, id, context)
        var changes = Assignments()
        changes.set("name", change.name)
        changes.set("filters", change.filters.clearingTo(JSONObject()))
        if case .value(let sort) = change.sort { changes.set("sort", to: try JSONValue(encoding: sort)) }
        if case .null = change.sort { changes.set("sort", to: JSONValue.array([])) }
        changes.set("columns", change.columns.clearingTo([]))
        changes.set("is_default", change.isDefault)
        changes.setNow("updated_at")
        return try await context.db.transaction(logger: context.logger) { transaction in
            if case .value(true) = change.isDefault { try await clearDefault(recordset, transaction, context) }
            return try await transaction.first(RecordsetView.self, """
                UPDATE \(transaction.table("recordset_views")) SET \(changes) WHERE id = \(id) RETURNING \(RecordsetView.columns)
                """, logger: context.logger).orNotFound(Self.notFound)
        }
    }

    /// One default view per recordset.
    private func clearDefault(_ recordset: UUID, _ transaction: TenantTransaction, _ context: TenantContext) async throws {
        try await transaction.execute("""
            UPDATE \(transaction.table("recordset_views")) SET is_default = false WHERE recordset_id = \(recordset) AND is_default
            """, logger: context.logger)
    }
}
