import Foundation
import Hummingbird
import PlatformCore

struct RecordController: Sendable {
    let repository: RecordRepository

    func addRoutes(to group: RouterGroup<TenantContext>) {
        group.post("records", use: create)
        group.get("records", use: list)
        group.get("records/:id", use: show)
        group.patch("records/:id", use: update)
        group.delete("records/:id", use: delete)
    }

    struct CreateRequest: Decodable {
        let recordsetID: UUID
        let data: JSONValue

        enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", data }
    }

    struct UpdateRequest: Decodable {
        let data: JSONValue
    }

    @Sendable func create(_ request: Request, context: TenantContext) async throws -> EncodedResponse<Record> {
        try context.require(.recordsWrite)
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        try Self.requireObject(body.data)
        guard let record = try await repository.create(
            in: context.tenant, recordsetID: body.recordsetID, data: body.data,
            by: context.principal.actingUserID, logger: context.logger)
        else { throw RecordsetController.notFound }
        return .created(record)
    }

    @Sendable func list(_ request: Request, context: TenantContext) async throws -> ListResponse<Record> {
        try context.require(.recordsRead)
        let page = try Page(request)
        var recordsetID: UUID?
        if let raw = request.uri.queryParameters["recordset_id"] {
            guard let id = UUID(uuidString: String(raw)) else {
                throw AppError.badRequest("invalid_query", "recordset_id must be a UUID.")
            }
            recordsetID = id
        }
        let (items, total) = try await repository.list(in: context.tenant, recordsetID: recordsetID, page: page, logger: context.logger)
        return ListResponse(items: items, total: total, page: page)
    }

    @Sendable func show(_ request: Request, context: TenantContext) async throws -> Record {
        try context.require(.recordsRead)
        guard let record = try await repository.find(try context.parameters.requireUUID("id"), in: context.tenant, logger: context.logger) else {
            throw Self.notFound
        }
        return record
    }

    @Sendable func update(_ request: Request, context: TenantContext) async throws -> Record {
        try context.require(.recordsWrite)
        let id = try context.parameters.requireUUID("id")
        let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
        try Self.requireObject(body.data)
        guard let record = try await repository.update(id, in: context.tenant, merging: body.data, logger: context.logger) else {
            throw Self.notFound
        }
        return record
    }

    @Sendable func delete(_ request: Request, context: TenantContext) async throws -> HTTPResponse.Status {
        try context.require(.recordsWrite)
        guard try await repository.trash(try context.parameters.requireUUID("id"), in: context.tenant, logger: context.logger) else {
            throw Self.notFound
        }
        return .noContent
    }

    static let notFound = AppError.notFound("record_not_found", "No record with this id in this workspace.")

    private static func requireObject(_ data: JSONValue) throws {
        guard data.objectValue != nil else {
            throw AppError.validation("The record is invalid.", fields: ["data": "must be a JSON object"])
        }
    }
}
