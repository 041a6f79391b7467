import Foundation
import Hummingbird
import PlatformCore

struct RecordsetController: Sendable {
    let repository: RecordsetRepository

    func addRoutes(to group: RouterGroup<TenantContext>) {
        group.post("recordsets", use: create)
        group.get("recordsets", use: list)
        group.get("recordsets/:id", use: show)
        group.patch("recordsets/:id", use: update)
        group.delete("recordsets/:id", use: delete)
    }

    struct CreateRequest: Decodable {
        let name: String
        let description: String?
    }

    struct UpdateRequest: Decodable {
        let name: String?
        let description: String?
    }

    @Sendable func create(_ request: Request, context: TenantContext) async throws -> EncodedResponse<Recordset> {
        try context.require(.recordsWrite)
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        let name = try Self.validName(body.name)
        let description = try Self.validDescription(body.description ?? "")
        return .created(try await repository.create(
            in: context.tenant, name: name, description: description, by: context.principal.actingUserID, logger: context.logger))
    }

    @Sendable func list(_ request: Request, context: TenantContext) async throws -> ListResponse<Recordset> {
        try context.require(.recordsRead)
        let page = try Page(request)
        let (items, total) = try await repository.list(in: context.tenant, page: page, logger: context.logger)
        return ListResponse(items: items, total: total, page: page)
    }

    @Sendable func show(_ request: Request, context: TenantContext) async throws -> Recordset {
        try context.require(.recordsRead)
        guard let recordset = try await repository.find(try context.parameters.requireUUID("id"), in: context.tenant, logger: context.logger) else {
            throw Self.notFound
        }
        return recordset
    }

    @Sendable func update(_ request: Request, context: TenantContext) async throws -> Recordset {
        try context.require(.recordsWrite)
        let id = try context.parameters.requireUUID("id")
        let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
        let name = try body.name.map(Self.validName)
        let description = try body.description.map(Self.validDescription)
        guard let recordset = try await repository.update(
            id, in: context.tenant, name: name, description: description, logger: context.logger)
        else { throw Self.notFound }
        return recordset
    }

    @Sendable func delete(_ request: Request, context: TenantContext) async throws -> HTTPResponse.Status {
        try context.require(.recordsWrite)
        guard try await repository.trash(try context.parameters.requireUUID("id"), in: context.tenant, logger: context.logger) else {
            throw Self.notFound
        }
        return .noContent
    }

    static let notFound = AppError.notFound("recordset_not_found", "No recordset with this id in this workspace.")

    static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw AppError.validation("The recordset is invalid.", fields: ["name": "must be 1 to 200 characters"])
        }
        return name
    }

    static func validDescription(_ description: String) throws -> String {
        guard description.count <= 2000 else {
            throw AppError.validation("The recordset is invalid.", fields: ["description": "must be at most 2000 characters"])
        }
        return description
    }
}
