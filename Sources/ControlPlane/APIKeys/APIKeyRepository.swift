import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// API keys live in the control schema, one workspace each, stored only as SHA-256 digests.
struct APIKeyRepository: Sendable {
    let client: PostgresClient

    func create(_ new: NewAPIKey, workspaceID: UUID, createdBy: UUID?, logger: Logger) async throws -> (APIKeyRecord, APIKey) {
        let key = APIKey.generate()
        let record = try await client.first(APIKeyRecord.self, """
            INSERT INTO control.api_keys (workspace_id, name, prefix, key_digest, scopes, expires_at, created_by)
            VALUES (\(workspaceID), \(new.name), \(key.displayPrefix), \(key.digest), \(new.scopes), \(new.expiresAt), \(createdBy))
            RETURNING \(APIKeyRecord.columns)
            """, logger: logger)!
        return (record, key)
    }

    func list(workspaceID: UUID, page: Page, logger: Logger) async throws -> ListResponse<APIKeyRecord> {
        try await client.list(
            APIKeyRecord.self, "FROM control.api_keys WHERE workspace_id = \(workspaceID)", orderBy: "created_at DESC, id",
            page: page, logger: logger)
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

    /// The key behind a presented secret, with why it may not be used (if it may not).
    func verify(_ key: APIKey, logger: Logger) async throws -> Result<APIKeyIdentity, AppError> {
        guard let found = try await client.first(Presented.self, """
            SELECT id, workspace_id, scopes, created_by, is_active, revoked_at IS NOT NULL AS revoked,
                   expires_at IS NOT NULL AND expires_at <= now() AS expired,
                   last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale
            FROM control.api_keys WHERE key_digest = \(key.digest)
            """, logger: logger)
        else { return .failure(.invalidAPIKey) }
        if found.revoked { return .failure(.apiKeyRevoked) }
        if found.expired { return .failure(.apiKeyExpired) }
        if !found.active { return .failure(.apiKeyDisabled) }
        if found.stale {
            // last_used_at is kept to the minute, so a busy key costs one write a minute, not one per request.
            try await client.execute("UPDATE control.api_keys SET last_used_at = now() WHERE id = \(found.identity.id)", logger: logger)
        }
        return .success(found.identity)
    }

    private struct Presented: Row {
        let identity: APIKeyIdentity
        let active: Bool
        let revoked: Bool
        let expired: Bool
        let stale: Bool

        init(row: RowReader) throws {
            identity = APIKeyIdentity(
                id: try row("id"), workspaceID: try row("workspace_id"), scopes: Set(try row("scopes", as: [String].self)),
                createdBy: try row("created_by"))
            active = try row("is_active")
            revoked = try row("revoked")
            expired = try row("expired")
            stale = try row("stale")
        }
    }
}

struct APIKeyRecord: APIModel {
    let id: UUID
    let workspaceID: UUID
    let name: String
    let prefix: String
    let scopes: [String]
    let isActive: Bool
    let revokedAt: Date?
    let expiresAt: Date?
    let lastUsedAt: Date?
    let createdBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, workspaceID = "workspace_id", name, prefix, scopes, isActive = "is_active", revokedAt = "revoked_at"
        case expiresAt = "expires_at", lastUsedAt = "last_used_at", createdBy = "created_by", createdAt = "created_at"
    }

    static let example = APIKeyRecord(
        id: UUID(uuidString: "5b8c2d1e-4f3a-4b6c-9d8e-7f6a5b4c3d2e")!, workspaceID: JobSnapshot.example.workspaceID!, name: "CI",
        prefix: "sk_live_012345", scopes: ["records:read", "records:write"], isActive: true, revokedAt: nil,
        expiresAt: NewAPIKey.example.expiresAt, lastUsedAt: nil, createdBy: UserRepository.Profile.example.id,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600))
}

extension APIKeyRecord: TableRow {
    static let columns: Columns = [
        "id", "workspace_id", "name", "prefix", "scopes", "is_active", "revoked_at", "expires_at", "last_used_at", "created_by", "created_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        workspaceID = try row("workspace_id")
        name = try row("name")
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
