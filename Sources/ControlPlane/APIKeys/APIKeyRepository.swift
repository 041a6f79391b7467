import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// API keys live in the control schema, one workspace each, stored only as SHA-256 digests.
struct APIKeyRepository: Sendable {
    let client: PostgresClient
    let usage: KeyUsage
    let catalog: BillingCatalog
    /// Presented keys by digest, emptied by every change to a key.
    let cache: AccessCache<Data, Presented>

    init(client: PostgresClient, catalog: BillingCatalog, cacheLifetime: Duration) {
        self.client = client
        cache = AccessCache(lifetime: cacheLifetime)
        self.usage = KeyUsage(client: client)
        self.catalog = catalog
    }

    /// A new key, within the plan's `api_keys` limit (402 `limit_exceeded` past it).
    func create(_ new: NewAPIKey, workspaceID: UUID, createdBy: UUID?, logger: Logger) async throws -> (APIKeyRecord, APIKey) {
        let key = APIKey.generate()
        let quota = try await catalog.quota(.apiKeys, workspace: workspaceID, logger: logger)
        guard let record = try await client.first(APIKeyRecord.self, """
            WITH \(quota.lock)
            INSERT INTO control.api_keys (workspace_id, name, description, prefix, key_digest, scopes, expires_at, created_by)
            SELECT \(workspaceID), \(new.name), \(new.description ?? ""), \(key.displayPrefix), \(key.digest), \(new.scopes), \(new.expiresAt), \(createdBy)
            WHERE \(quota.allows())
            RETURNING \(APIKeyRecord.columns)
            """, logger: logger)
        else { throw try await quota.refusal(on: client, logger: logger) }
        return (record, key)
    }

    /// A new key with the old one's settings, and the old one revoked, in one transaction; nil when
    /// there is no such key or it is already revoked (a revoked key stays revoked and is not copied).
    func rotate(_ id: UUID, workspaceID: UUID, createdBy: UUID?, logger: Logger) async throws -> (APIKeyRecord, APIKey)? {
        let key = APIKey.generate()
        return try await client.withTransaction(logger: logger) { connection in
            guard try await connection.execute("""
                UPDATE control.api_keys SET is_active = false, revoked_at = now()
                WHERE id = \(id) AND workspace_id = \(workspaceID) AND revoked_at IS NULL RETURNING id
                """, logger: logger) == 1
            else { return nil }
            let record = try await connection.first(APIKeyRecord.self, """
                INSERT INTO control.api_keys (workspace_id, name, description, prefix, key_digest, scopes, expires_at, created_by)
                SELECT workspace_id, name, description, \(key.displayPrefix), \(key.digest), scopes, expires_at, \(createdBy)
                FROM control.api_keys WHERE id = \(id)
                RETURNING \(APIKeyRecord.columns)
                """, logger: logger)
            return record.map { ($0, key) }
        }
    }

    /// Turns a live key off or back on; a revoked key cannot be toggled (nil).
    func toggle(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> APIKeyRecord? {
        try await client.first(APIKeyRecord.self, """
            UPDATE control.api_keys SET is_active = NOT is_active
            WHERE id = \(id) AND workspace_id = \(workspaceID) AND revoked_at IS NULL
            RETURNING \(APIKeyRecord.columns)
            """, logger: logger)
    }

    /// Name, description, scopes and state; never the secret. A revoked key cannot be re-activated.
    func update(_ id: UUID, workspaceID: UUID, _ change: APIKeyChange, logger: Logger) async throws -> APIKeyRecord? {
        var changes = Assignments()
        changes.set("name", change.name)
        changes.set("description", change.description.clearingTo(""))
        changes.set("scopes", change.scopes)
        changes.set("is_active", change.isActive)
        if changes.isEmpty { return try await find(id, workspaceID: workspaceID, logger: logger) }
        return try await client.first(APIKeyRecord.self, """
            UPDATE control.api_keys SET \(changes)
            WHERE id = \(id) AND workspace_id = \(workspaceID)
              AND (revoked_at IS NULL OR NOT \(change.activates))
            RETURNING \(APIKeyRecord.columns)
            """, logger: logger)
    }

    func count(workspaceID: UUID, _ filter: APIKeyFilter, logger: Logger) async throws -> Int {
        try await client.count(Self.matching(workspaceID, filter), logger: logger)
    }

    /// `FROM … WHERE …` for the keys of a workspace that pass the filter (absent filters pass all).
    static func matching(_ workspaceID: UUID, _ filter: APIKeyFilter) -> SQLFragment {
        """
        FROM control.api_keys WHERE workspace_id = \(workspaceID)
          AND (\(filter.isActive)::bool IS NULL OR is_active = \(filter.isActive))
          AND (\(filter.isRevoked)::bool IS NULL OR (revoked_at IS NOT NULL) = \(filter.isRevoked))
        """
    }

    func list(workspaceID: UUID, _ filter: APIKeyFilter, logger: Logger) async throws -> ListResponse<APIKeyRecord> {
        try await client.list(
            APIKeyRecord.self, Self.matching(workspaceID, filter), orderBy: "created_at DESC, id", page: filter.page, logger: logger)
    }

    func find(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> APIKeyRecord? {
        try await client.first(APIKeyRecord.self, """
            SELECT \(APIKeyRecord.columns) FROM control.api_keys WHERE id = \(id) AND workspace_id = \(workspaceID)
            """, logger: logger)
    }

    /// Revocation is permanent: the key is kept for audit and never becomes usable again.
    func revoke(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> APIKeyRecord? {
        try await client.first(APIKeyRecord.self, """
            UPDATE control.api_keys SET is_active = false, revoked_at = COALESCE(revoked_at, now())
            WHERE id = \(id) AND workspace_id = \(workspaceID)
            RETURNING \(APIKeyRecord.columns)
            """, logger: logger)
    }

    func delete(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> Bool {
        try await client.execute(
            "DELETE FROM control.api_keys WHERE id = \(id) AND workspace_id = \(workspaceID) RETURNING id", logger: logger) == 1
    }

    /// The key behind a presented secret, or the one uniform 401 (B14): an unknown, revoked,
    /// expired or disabled key reads the same to the caller; only the log says which.
    func verify(_ key: APIKey, logger: Logger) async throws -> Result<APIKeyIdentity, AppError> {
        let digest = key.digest
        guard let found = try await cache.value(digest, load: {
            try await client.first(Presented.self, """
                SELECT id, workspace_id, scopes, created_by, is_active, revoked_at IS NOT NULL AS revoked, expires_at
                FROM control.api_keys WHERE key_digest = \(digest)
                """, logger: logger)
        })
        else { return .failure(.invalidAPIKey) }
        let expired = found.expiresAt.map { $0 <= Date() } ?? false
        if let refused = found.revoked ? "revoked" : expired ? "expired" : !found.active ? "disabled" : nil {
            logger.info("API key refused", metadata: ["api_key_id": "\(found.identity.id)", "reason": "\(refused)"])
            return .failure(.invalidAPIKey)
        }
        usage.used(found.identity.id, logger: logger)
        return .success(found.identity)
    }

    struct Presented: Row {
        let identity: APIKeyIdentity
        let active: Bool
        let revoked: Bool
        let expiresAt: Date?

        init(row: RowReader) throws {
            identity = APIKeyIdentity(
                id: try row("id"), workspaceID: try row("workspace_id"), scopes: Set(try row("scopes", as: [String].self)),
                createdBy: try row("created_by"))
            active = try row("is_active")
            revoked = try row("revoked")
            expiresAt = try row("expires_at")
        }
    }
}

struct APIKeyRecord: APIModel {
    let id: UUID
    let workspaceID: UUID
    let name: String
    let description: String
    let prefix: String
    let scopes: [String]
    let isActive: Bool
    let revokedAt: Date?
    let expiresAt: Date?
    let lastUsedAt: Date?
    let createdBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, workspaceID = "workspace_id", name, description, prefix, scopes, isActive = "is_active", revokedAt = "revoked_at"
        case expiresAt = "expires_at", lastUsedAt = "last_used_at", createdBy = "created_by", createdAt = "created_at"
    }

    static let example = APIKeyRecord(
        id: UUID(uuidString: "5b8c2d1e-4f3a-4b6c-9d8e-7f6a5b4c3d2e")!, workspaceID: JobSnapshot.example.workspaceID!, name: "CI",
        description: "Deploys from CI", prefix: "sk_live_012345", scopes: ["records:read", "records:write"], isActive: true, revokedAt: nil,
        expiresAt: NewAPIKey.example.expiresAt, lastUsedAt: nil, createdBy: User.example.id,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600))
}

extension APIKeyRecord: TableRow {
    static let columns: Columns = [
        "id", "workspace_id", "name", "description", "prefix", "scopes", "is_active", "revoked_at", "expires_at", "last_used_at", "created_by", "created_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        workspaceID = try row("workspace_id")
        name = try row("name")
        description = try row("description")
        prefix = try row("prefix")
        scopes = try row("scopes")
        isActive = try row("is_active")
        revokedAt = try row("revoked_at")
        expiresAt = try row("expires_at")
        lastUsedAt = try row("last_used_at")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
    }
}
