import Foundation
import PlatformCore

/// `/api-keys`: workspace-scoped by `X-Workspace-Id`, for owners and admins (or `admin`-scoped keys).
struct APIKeyController: Sendable {
    let repository: APIKeyRepository
    let audit: AuditLog

    static let notFound = AppError.notFound("api_key_not_found", "No API key with this id in this workspace.")
    static let revoked = AppError.conflict("api_key_revoked", "The API key is revoked; a revoked key cannot be used, rotated or re-enabled.")

    static let create = Endpoint(
        .post, "/api/v1/api-keys", "Create an API key (its secret is shown this once), within the plan's limit", body: NewAPIKey.self,
        returns: CreatedAPIKey.self, status: .created, errors: [ErrorCase(Quota.example)])
    static let list = Endpoint(
        .get, "/api/v1/api-keys", "List the workspace's API keys (secrets are never shown again)", query: APIKeyFilter.self,
        returns: ListResponse<APIKeyRecord>.self)
    static let count = Endpoint(.get, "/api/v1/api-keys/count", "Count the workspace's API keys", query: APIKeyFilter.self, returns: APIKeyCount.self)
    static let show = Endpoint(.get, "/api/v1/api-keys/{api_key_id}", "Get an API key", returns: APIKeyRecord.self, errors: [ErrorCase(notFound)])
    static let revoke = Endpoint(
        .post, "/api/v1/api-keys/{api_key_id}/revoke", "Revoke an API key for good (it is kept for audit)", returns: APIKeyRecord.self,
        errors: [ErrorCase(notFound)])
    static let rotate = Endpoint(
        .post, "/api/v1/api-keys/{api_key_id}/rotate", "Replace a key by a new one with the same settings (its secret is shown this once); the old one is revoked",
        returns: CreatedAPIKey.self, errors: [ErrorCase(notFound), ErrorCase(revoked)])
    static let toggle = Endpoint(
        .post, "/api/v1/api-keys/{api_key_id}/toggle", "Disable a key for a while, or enable it again", returns: APIKeyRecord.self,
        errors: [ErrorCase(notFound), ErrorCase(revoked)])
    static let update = Endpoint(
        .patch, "/api/v1/api-keys/{api_key_id}", "Change a key's name, description, scopes or state (never its secret)",
        body: APIKeyChange.self, returns: APIKeyRecord.self, errors: [ErrorCase(notFound), ErrorCase(revoked)])
    static let delete = Endpoint(
        .delete, "/api/v1/api-keys/{api_key_id}", "Delete an API key", returns: NoContent.self, status: .noContent, errors: [ErrorCase(notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.create, .admin) { input, context in
            let (record, key) = try await repository.create(
                input.body, workspaceID: context.workspaceID, createdBy: context.principal.actingUserID, logger: context.logger)
            await log(.apiKeyCreated, record.id, input, context, ["name": .string(record.name), "scopes": .array(record.scopes.map(JSONValue.string))])
            return CreatedAPIKey(record: record, key: key.secret)
        }
        routes.workspace(Self.list, .admin) { input, context in
            try await repository.list(workspaceID: context.workspaceID, input.query, logger: context.logger)
        }
        routes.workspace(Self.count, .admin) { input, context in
            APIKeyCount(count: try await repository.count(workspaceID: context.workspaceID, input.query, logger: context.logger))
        }
        routes.workspace(Self.rotate, .admin) { input, context in
            guard let (record, key) = try await repository.rotate(
                input.id("api_key_id"), workspaceID: context.workspaceID, createdBy: context.principal.actingUserID, logger: context.logger)
            else { throw try await whyUnchanged(input.id("api_key_id"), context) }
            await log(.apiKeyRotated, input.id("api_key_id"), input, context, ["new_api_key_id": .string(record.id.uuidString.lowercased())])
            return CreatedAPIKey(record: record, key: key.secret)
        }
        routes.workspace(Self.toggle, .admin) { input, context in
            guard let record = try await repository.toggle(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger) else {
                throw try await whyUnchanged(input.id("api_key_id"), context)
            }
            return record
        }
        routes.workspace(Self.update, .admin) { input, context in
            guard let record = try await repository.update(
                input.id("api_key_id"), workspaceID: context.workspaceID, input.body, logger: context.logger)
            else { throw try await whyUnchanged(input.id("api_key_id"), context) }
            return record
        }
        routes.workspace(Self.show, .admin) { input, context in
            try await repository.find(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger).orNotFound(Self.notFound)
        }
        routes.workspace(Self.revoke, .admin) { input, context in
            let record = try await repository.revoke(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger)
                .orNotFound(Self.notFound)
            await log(.apiKeyRevoked, record.id, input, context)
            return record
        }
        routes.workspace(Self.delete, .admin) { input, context in
            guard try await repository.delete(input.id("api_key_id"), workspaceID: context.workspaceID, logger: context.logger) else {
                throw Self.notFound
            }
            await log(.apiKeyDeleted, input.id("api_key_id"), input, context)
            return NoContent()
        }
    }

    private func log<B, Q>(
        _ action: AuditLog.Action, _ keyID: UUID, _ input: Input<B, Q>, _ context: WorkspaceContext, _ details: [String: JSONValue] = [:]
    ) async {
        await audit.record(
            .init(action, actor: context.principal, workspaceID: context.workspaceID, target: ("api_key", keyID.uuidString.lowercased()), details: details),
            client: input.client, logger: context.logger)
    }

    /// Nothing changed: the key is absent here (404) or revoked (409).
    private func whyUnchanged(_ id: UUID, _ context: WorkspaceContext) async throws -> AppError {
        try await repository.find(id, workspaceID: context.workspaceID, logger: context.logger) == nil ? Self.notFound : Self.revoked
    }
}

struct NewAPIKey: RequestBody, APIModel {
    var name: String
    var description: String?
    var scopes: [String]
    var expiresAt: Date?

    enum CodingKeys: String, CodingKey { case name, description, scopes, expiresAt = "expires_at" }

    func validated() throws -> NewAPIKey {
        var check = Validation()
        let name = check.text(name, "name", length: 1...100)
        let description = check.text(description ?? "", "description", length: 0...1000)
        let scopes = APIKeyScopes.check(scopes, &check)
        check.require(expiresAt.map { $0 > Date() } ?? true, "expires_at", "must be in the future")
        try check.finish("The API key request is invalid.")
        return NewAPIKey(name: name, description: description, scopes: scopes, expiresAt: expiresAt)
    }

    static let example = NewAPIKey(
        name: "CI", description: "Deploys from CI", scopes: ["records:read", "records:write"], expiresAt: Date(timeIntervalSince1970: 4_102_444_800))
}

/// `PATCH /api-keys/{id}`: each field left out stays as it is.
struct APIKeyChange: RequestBody, APIModel {
    var name: Patch<String>
    var description: Patch<String>
    var scopes: Patch<[String]>
    var isActive: Patch<Bool>

    enum CodingKeys: String, CodingKey { case name, description, scopes, isActive = "is_active" }

    /// Whether this change turns the key on (which a revoked key refuses).
    var activates: Bool { isActive == .value(true) }

    func validated() throws -> APIKeyChange {
        var check = Validation()
        var change = self
        if case .value(let name) = name { change.name = .value(check.text(name, "name", length: 1...100)) }
        if case .value(let description) = description { change.description = .value(check.text(description, "description", length: 0...1000)) }
        if case .value(let scopes) = scopes { change.scopes = .value(APIKeyScopes.check(scopes, &check)) }
        check.require(name != .null, "name", "must not be null")
        check.require(scopes != .null, "scopes", "must not be null")
        check.require(isActive != .null, "is_active", "must not be null")
        try check.finish("The API key change is invalid.")
        return change
    }

    static let example = APIKeyChange(name: .value("CI (read only)"), description: .absent, scopes: .value(["records:read"]), isActive: .absent)
}

enum APIKeyScopes {
    /// Known scopes only, at least one; sorted and without repeats.
    static func check(_ scopes: [String], _ check: inout Validation) -> [String] {
        let unknown = Set(scopes).subtracting(Permission.knownScopes)
        check.require(!scopes.isEmpty, "scopes", "must name at least one scope")
        check.require(unknown.isEmpty, "scopes", "unknown scopes: \(unknown.sorted().joined(separator: ", "))")
        return Array(Set(scopes)).sorted()
    }
}

/// `?is_active=` and `?is_revoked=` (each absent, true or false), and the page.
struct APIKeyFilter: QueryParameters {
    let isActive: Bool?
    let isRevoked: Bool?
    let page: Page

    enum CodingKeys: String, CodingKey { case isActive = "is_active", isRevoked = "is_revoked", page }
}

struct APIKeyCount: APIModel {
    let count: Int
    static let example = APIKeyCount(count: 3)
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
