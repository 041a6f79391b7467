import Foundation
import Hummingbird
import PlatformCore

/// `/api-keys`: workspace-scoped by `X-Workspace-Id`, for owners and admins (or `admin`-scoped keys).
struct APIKeyController: Sendable {
    let repository: APIKeyRepository

    func addRoutes(to group: RouterGroup<TenantContext>) {
        group.post("api-keys", use: create)
        group.get("api-keys", use: list)
        group.get("api-keys/:id", use: show)
        group.post("api-keys/:id/revoke", use: revoke)
        group.delete("api-keys/:id", use: delete)
    }

    struct CreateRequest: Decodable {
        let name: String
        let scopes: [String]
        let expiresAt: Date?

        enum CodingKeys: String, CodingKey { case name, scopes, expiresAt = "expires_at" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            scopes = try container.decode([String].self, forKey: .scopes)
            guard let raw = try container.decodeIfPresent(String.self, forKey: .expiresAt) else {
                expiresAt = nil
                return
            }
            guard let date = ISO8601DateFormatter().date(from: raw) else {
                throw DecodingError.dataCorruptedError(forKey: .expiresAt, in: container, debugDescription: "must be an ISO 8601 timestamp")
            }
            expiresAt = date
        }
    }

    /// The created key, with its secret: the only response that ever carries it.
    struct CreatedKey: ResponseEncodable {
        let record: APIKeyRecord
        let key: String

        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
        }
        enum CodingKeys: String, CodingKey { case key }
    }

    @Sendable func create(_ request: Request, context: TenantContext) async throws -> EncodedResponse<CreatedKey> {
        try context.require(.admin)
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if name.isEmpty || name.count > 100 { problems["name"] = "must be 1 to 100 characters" }
        let unknown = Set(body.scopes).subtracting(Permission.knownScopes)
        if body.scopes.isEmpty { problems["scopes"] = "must name at least one scope" }
        if !unknown.isEmpty { problems["scopes"] = "unknown scopes: \(unknown.sorted().joined(separator: ", "))" }
        if let expiresAt = body.expiresAt, expiresAt <= Date() { problems["expires_at"] = "must be in the future" }
        guard problems.isEmpty else { throw AppError.validation("The API key request is invalid.", fields: problems) }
        let (record, key) = try await repository.create(
            workspaceID: context.tenant.workspaceID, name: name, scopes: Array(Set(body.scopes)).sorted(),
            expiresAt: body.expiresAt, createdBy: context.principal.actingUserID, logger: context.logger)
        return .created(CreatedKey(record: record, key: key.secret))
    }

    @Sendable func list(_ request: Request, context: TenantContext) async throws -> ListResponse<APIKeyRecord> {
        try context.require(.admin)
        let page = try Page(request)
        let (items, total) = try await repository.list(workspaceID: context.tenant.workspaceID, page: page, logger: context.logger)
        return ListResponse(items: items, total: total, page: page)
    }

    @Sendable func show(_ request: Request, context: TenantContext) async throws -> APIKeyRecord {
        try context.require(.admin)
        let id = try context.parameters.requireUUID("id")
        guard let record = try await repository.find(id, workspaceID: context.tenant.workspaceID, logger: context.logger) else {
            throw Self.notFound
        }
        return record
    }

    @Sendable func revoke(_ request: Request, context: TenantContext) async throws -> APIKeyRecord {
        try context.require(.admin)
        let id = try context.parameters.requireUUID("id")
        guard let record = try await repository.revoke(id, workspaceID: context.tenant.workspaceID, logger: context.logger) else {
            throw Self.notFound
        }
        return record
    }

    @Sendable func delete(_ request: Request, context: TenantContext) async throws -> HTTPResponse.Status {
        try context.require(.admin)
        let id = try context.parameters.requireUUID("id")
        guard try await repository.delete(id, workspaceID: context.tenant.workspaceID, logger: context.logger) else {
            throw Self.notFound
        }
        return .noContent
    }

    static let notFound = AppError.notFound("api_key_not_found", "No API key with this id in this workspace.")
}
