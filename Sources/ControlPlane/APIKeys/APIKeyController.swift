import Foundation
import PlatformCore

/// `/api-keys`: workspace-scoped by `X-Workspace-Id`, for owners and admins (or `admin`-scoped keys).
struct APIKeyController: Sendable {
    let repository: APIKeyRepository

    static let notFound = AppError.notFound("api_key_not_found", "No API key with this id in this workspace.")

    static let create = Endpoint(
        .post, "/api/v1/api-keys", "Create an API key (its secret is shown this once)", body: NewAPIKey.self, returns: CreatedAPIKey.self,
        status: .created)
    static let list = Endpoint(.get, "/api/v1/api-keys", "List the workspace's API keys", query: Page.self, returns: ListResponse<APIKeyRecord>.self)
    static let show = Endpoint(.get, "/api/v1/api-keys/{api_key_id}", "Get an API key", returns: APIKeyRecord.self, errors: [ErrorCase(notFound)])
    static let revoke = Endpoint(
        .post, "/api/v1/api-keys/{api_key_id}/revoke", "Revoke an API key for good (it is kept for audit)", returns: APIKeyRecord.self,
        errors: [ErrorCase(notFound)])
    static let delete = Endpoint(
        .delete, "/api/v1/api-keys/{api_key_id}", "Delete an API key", returns: NoContent.self, status: .noContent, errors: [ErrorCase(notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.create, .admin) { input, context in
            let (record, key) = try await repository.create(
                input.body, workspaceID: context.workspaceID, createdBy: context.principal.actingUserID, logger: context.logger)
            return CreatedAPIKey(record: record, key: key.secret)
        }
        routes.workspace(Self.list, .admin) { input, context in
            try await repository.list(workspaceID: context.workspaceID, page: input.query, logger: context.logger)
        }
        routes.workspace(Self.show, .admin) { input, context in
            try await repository.find(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger).orNotFound(Self.notFound)
        }
        routes.workspace(Self.revoke, .admin) { input, context in
            try await repository.revoke(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger).orNotFound(Self.notFound)
        }
        routes.workspace(Self.delete, .admin) { input, context in
            guard try await repository.delete(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger) else {
                throw Self.notFound
            }
            return NoContent()
        }
    }
}

struct NewAPIKey: RequestBody, APIModel {
    var name: String
    var scopes: [String]
    var expiresAt: Date?

    enum CodingKeys: String, CodingKey { case name, scopes, expiresAt = "expires_at" }

    func validated() throws -> NewAPIKey {
        var check = Validation()
        let name = check.text(name, "name", length: 1...100)
        let unknown = Set(scopes).subtracting(Permission.knownScopes)
        check.require(!scopes.isEmpty, "scopes", "must name at least one scope")
        check.require(unknown.isEmpty, "scopes", "unknown scopes: \(unknown.sorted().joined(separator: ", "))")
        check.require(expiresAt.map { $0 > Date() } ?? true, "expires_at", "must be in the future")
        try check.finish("The API key request is invalid.")
        return NewAPIKey(name: name, scopes: Array(Set(scopes)).sorted(), expiresAt: expiresAt)
    }

    static let example = NewAPIKey(name: "CI", scopes: ["records:read", "records:write"], expiresAt: Date(timeIntervalSince1970: 4_102_444_800))
}

/// The created key with its secret: the only response that ever carries it.
struct CreatedAPIKey: APIModel {
    let record: APIKeyRecord
    let key: String

    enum CodingKeys: String, CodingKey { case key }

    init(record: APIKeyRecord, key: String) {
        self.record = record
        self.key = key
    }

    init(from decoder: any Decoder) throws {
        record = try APIKeyRecord(from: decoder)
        key = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .key)
    }

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
    }

    static let example = CreatedAPIKey(record: .example, key: "sk_live_0123456789ABCDEFGHIJKLMNOPQRSTUVabcdef")
}
