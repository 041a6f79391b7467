import Foundation
import PlatformCore

/// `/recordsets` (§2.10) and its `/crud/recordsets` twin (§2.12). Paths name a recordset by slug
/// (an id is accepted too); the workspace's matrix gates each route, then the recordset's own ACL
/// (`RecordsetAccess`) decides: 404 for a recordset the caller cannot see, 403 for a missing level.
struct RecordsetController {
    static let notFound = RecordsetRepository.notFound
    static let denied = RecordsetRepository.deniedCase
    static let view = Permission.named("can_view_recordset", scope: "records:read")
    static let create = Permission.named("can_create_recordset", scope: "records:write")
    static let edit = Permission.named("can_edit_recordset", scope: "records:write")
    static let delete = Permission.named("can_delete_recordset", scope: "records:write")

    static let list = Endpoint(
        .get, "/api/v1/recordsets", "Recordsets the caller can see (search, type, is_active=false for the trash)",
        query: Recordset.Filter.self, returns: ListResponse<Recordset>.self)
    static let trash = Endpoint(
        .get, "/api/v1/recordsets/trash", "Recordsets in the trash, purged 30 days after deletion (admins)",
        query: Recordset.TrashFilter.self, returns: ListResponse<Recordset>.self)
    static let show = Endpoint(
        .get, "/api/v1/recordsets/{recordset_slug}", "A recordset, with its exact record count", returns: Recordset.self, errors: [ErrorCase(notFound)])
    static let permissions = Endpoint(
        .get, "/api/v1/recordsets/{recordset_slug}/permissions", "The caller's levels on a recordset", returns: RecordsetPermissions.self,
        errors: [ErrorCase(notFound)])
    static let add = Endpoint(
        .post, "/api/v1/recordsets", "Create a recordset (its slug is made from the name, -2, -3 … when taken)", body: Recordset.New.self,
        returns: Recordset.self, status: .created, errors: [ErrorCase(RecordsetRepository.slugTaken), ErrorCase(Quota.example)])
    static let restore = Endpoint(
        .post, "/api/v1/recordsets/trash/{recordset_slug}/restore", "Take a recordset out of the trash (admins)", returns: Recordset.self,
        errors: [ErrorCase(notFound)])
    static let replace = Endpoint(
        .put, "/api/v1/recordsets/{recordset_slug}", "Replace a recordset's name, description, type and icon (the slug stays)",
        body: Recordset.Replacement.self, returns: Recordset.self, errors: [ErrorCase(notFound), denied])
    static let update = Endpoint(
        .patch, "/api/v1/recordsets/{recordset_slug}", "Change some of a recordset's fields (the slug stays)", body: Recordset.Change.self,
        returns: Recordset.self, errors: [ErrorCase(notFound), denied])
    static let purge = Endpoint(
        .delete, "/api/v1/recordsets/trash/{recordset_slug}", "Delete a trashed recordset and its records for good (admins)",
        returns: NoContent.self, status: .noContent, errors: [ErrorCase(notFound)])
    static let remove = Endpoint(
        .delete, "/api/v1/recordsets/{recordset_slug}", "Move a recordset to the trash", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound), denied])

    static let crudList = Endpoint(
        .get, "/api/v1/crud/recordsets", "Recordsets the caller can see (search, type, is_active)", query: Recordset.Filter.self,
        returns: ListResponse<Recordset>.self)
    static let crudShow = Endpoint(
        .get, "/api/v1/crud/recordsets/{recordset_id}", "A recordset by id, with its exact record count", returns: Recordset.self,
        errors: [ErrorCase(notFound)])
    static let crudAdd = Endpoint(
        .post, "/api/v1/crud/recordsets", "Create a recordset", body: Recordset.New.self, returns: Recordset.self, status: .created,
        errors: [ErrorCase(RecordsetRepository.slugTaken)])
    static let syncCounts = Endpoint(
        .post, "/api/v1/crud/recordsets/sync-counts", "Recount every recordset's records in one statement (admins)", returns: CountRepair.self)
    static let crudReplace = Endpoint(
        .put, "/api/v1/crud/recordsets/{recordset_id}", "Replace a recordset's fields", body: Recordset.Replacement.self, returns: Recordset.self,
        errors: [ErrorCase(notFound), denied])
    static let crudUpdate = Endpoint(
        .patch, "/api/v1/crud/recordsets/{recordset_id}", "Change some of a recordset's fields", body: Recordset.Change.self,
        returns: Recordset.self, errors: [ErrorCase(notFound), denied])
    static let crudRemove = Endpoint(
        .delete, "/api/v1/crud/recordsets/{recordset_id}", "Move a recordset and its records to the trash", returns: NoContent.self,
        status: .noContent, errors: [ErrorCase(notFound), denied])

    func addRoutes(to routes: RouteTable) {
        for endpoint in [Self.list, Self.crudList] {
            routes.tenant(endpoint, Self.view) { input, context in try await RecordsetRepository(context).list(input.query) }
        }
        routes.tenant(Self.trash, .admin) { input, context in try await RecordsetRepository(context).trash(input.query) }
        routes.tenant(Self.show, Self.view) { input, context in
            try await RecordsetRepository(context).find(input.recordset).orNotFound(Self.notFound).recordset
        }
        routes.tenant(Self.crudShow, Self.view) { input, context in
            try await RecordsetRepository(context).find(.id(input.id("recordset_id"))).orNotFound(Self.notFound).recordset
        }
        routes.tenant(Self.permissions, Self.view) { input, context in
            let found = try await RecordsetRepository(context).find(input.recordset).orNotFound(Self.notFound)
            let source: RecordsetPermissions.Source = switch context.principal {
            case .apiKey: .apiKey
            case .user: (context.membership.role ?? .viewer) >= .admin ? .workspaceRole
                : found.recordset.createdBy == context.memberID ? .owner : .grants
            }
            return RecordsetPermissions(recordsetID: found.recordset.id, slug: found.recordset.slug, source: source, levels: found.levels)
        }
        for endpoint in [Self.add, Self.crudAdd] {
            routes.tenant(endpoint, Self.create) { input, context in try await RecordsetRepository(context).create(input.body) }
        }
        routes.tenant(Self.restore, .admin) { input, context in try await RecordsetRepository(context).restore(input.recordset) }
        routes.tenant(Self.replace, Self.edit) { input, context in try await update(.slug(input), input.body.change, context) }
        routes.tenant(Self.update, Self.edit) { input, context in try await update(.slug(input), input.body, context) }
        routes.tenant(Self.crudReplace, Self.edit) { input, context in try await update(.id(input), input.body.change, context) }
        routes.tenant(Self.crudUpdate, Self.edit) { input, context in try await update(.id(input), input.body, context) }
        routes.tenant(Self.purge, .admin) { input, context in
            try await RecordsetRepository(context).deletePermanently(input.recordset)
            return NoContent()
        }
        routes.tenant(Self.remove, Self.delete) { input, context in try await moveToTrash(input.recordset, context) }
        routes.tenant(Self.crudRemove, Self.delete) { input, context in try await moveToTrash(.id(input.id("recordset_id")), context) }
        routes.tenant(Self.syncCounts, .admin) { _, context in try await RecordsetRepository(context).syncCounts() }
    }

    private func update(_ key: RecordsetKey, _ change: Recordset.Change, _ context: TenantContext) async throws -> Recordset {
        let repository = RecordsetRepository(context)
        let found = try await repository.require(key, .canAdmin)
        return try await repository.update(found.recordset.id, change)
    }

    private func moveToTrash(_ key: RecordsetKey, _ context: TenantContext) async throws -> NoContent {
        let repository = RecordsetRepository(context)
        try await repository.moveToTrash(try await repository.require(key, .canAdmin).recordset.id)
        return NoContent()
    }
}

extension RecordsetKey {
    static func slug<B, Q>(_ input: Input<B, Q>) -> RecordsetKey { input.recordset }
    static func id<B, Q>(_ input: Input<B, Q>) -> RecordsetKey { .id(input.id("recordset_id")) }
}

extension Input {
    /// The `{recordset_slug}` of the path (a slug, or an id).
    var recordset: RecordsetKey { RecordsetKey(parameter("recordset_slug")) }
}
