import Foundation
import PlatformCore

/// `/crm/relationships` (§2.13): typed links between contacts, records and members.
/// The seed's `/relationships/{entity_type}/{entity_id}` is `/relationships/entity/{entity_type}/{entity_id}`
/// here: the router takes one parameter name per position, and `{relationship_id}` holds that one.
struct RelationshipController {
    static let notFound = ErrorCase(RelationshipRepository.notFound)
    static let endNotFound = ErrorCase(RelationshipRepository.endNotFound)
    static let exists = ErrorCase(RelationshipRepository.exists)
    static let entityTypes = EntityType.allCases.map(\.rawValue)

    static let list = Endpoint(
        .get, "/api/v1/crm/relationships", "Relationships: source_type, source_id, target_type, target_id, relationship_type, is_active, limit, offset",
        query: RelationshipListQuery.self, returns: ListResponse<CRMRelationship>.self)
    static let ofEntity = Endpoint(
        .get, "/api/v1/crm/relationships/entity/{entity_type}/{entity_id}", "One entity's relationships: direction (source, target, both), relationship_types, is_active",
        query: EntityRelationshipQuery.self, returns: ListResponse<CRMRelationship>.self,
        errors: [ErrorCase(RelationshipRepository.entityTypeNotFound), ErrorCase(RelationshipRepository.entityNotFound)]
    ).accepting("entity_type", entityTypes)
    static let create = Endpoint(
        .post, "/api/v1/crm/relationships", "Link two entities (both must exist; a record one you can see)", body: CRMRelationship.New.self,
        returns: CRMRelationship.self, status: .created, errors: [endNotFound, exists])
    static let bulk = Endpoint(
        .post, "/api/v1/crm/relationships/bulk", "Link up to 500 pairs: all or none", body: CRMRelationship.Bulk.self,
        returns: CRMRelationship.BulkCreated.self, errors: [endNotFound, exists])
    static let replace = Endpoint(
        .put, "/api/v1/crm/relationships/{relationship_id}", "Replace a relationship's type, strength, notes, metadata and state",
        body: CRMRelationship.Replacement.self, returns: CRMRelationship.self, errors: [notFound, exists])
    static let update = Endpoint(
        .patch, "/api/v1/crm/relationships/{relationship_id}", "Change a relationship (is_active: true reactivates it)",
        body: CRMRelationship.Change.self, returns: CRMRelationship.self, errors: [notFound, exists])
    static let delete = Endpoint(
        .delete, "/api/v1/crm/relationships/{relationship_id}", "Deactivate a relationship; permanent=true removes it", query: DeleteQuery.self,
        returns: NoContent.self, status: .noContent, errors: [notFound])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, CRMAccess.view) { input, context in try await RelationshipRepository(context).list(input.query) }
        routes.tenant(Self.ofEntity, CRMAccess.view) { input, context in
            let repository = RelationshipRepository(context)
            let entity = try await repository.requireEntity(input.parameter("entity_type"), input.id("entity_id"))
            return try await repository.of(entity, input.query)
        }
        routes.tenant(Self.create, CRMAccess.edit) { input, context in try await RelationshipRepository(context).create(input.body) }
        routes.tenant(Self.bulk, CRMAccess.edit) { input, context in try await RelationshipRepository(context).bulk(input.body) }
        routes.tenant(Self.replace, CRMAccess.edit) { input, context in
            try await RelationshipRepository(context).update(input.id("relationship_id"), input.body.change)
        }
        routes.tenant(Self.update, CRMAccess.edit) { input, context in
            try await RelationshipRepository(context).update(input.id("relationship_id"), input.body)
        }
        routes.tenant(Self.delete, CRMAccess.edit) { input, context in
            try await RelationshipRepository(context).delete(input.id("relationship_id"), permanent: input.query.permanent ?? false)
            return NoContent()
        }
    }
}
