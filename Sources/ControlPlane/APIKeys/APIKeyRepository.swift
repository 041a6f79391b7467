import Foundation
import Hummingbird
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// API keys live in the control schema, one workspace each, stored only as SHA-256 digests.
struct APIKeyRepository: Sendable {
    let client: PostgresClient

    func create(workspaceID: UUID, name: String, scopes: [String], expiresAt: Date?, createdBy: UUID?, logger: Logger) async throws -> (APIKeyRecord, APIKey) {
        let key = APIKey.generate()
        let rows = try await client.query("""
            INSERT INTO control.api_keys (workspace_id, name, prefix, key_digest, scopes, expires_at, created_by)
            VALUES (\(workspaceID), \(name), \(key.displayPrefix), \(key.digest), \(scopes), \(expiresAt), \(createdBy))
            RETURNING id, workspace_id, name, prefix, scopes, is_active, revoked_at, expires_at, last_used_at, created_by, created_at
            """, logger: logger)
        return (try await Self.decode(rows).first!, key)
    }

    func list(workspaceID: UUID, page: Page, logger: Logger) async throws -> (items: [APIKeyRecord], total: Int) {
        let rows = try await client.query("""
            SELECT id, workspace_id, name, prefix, scopes, is_active, revoked_at, expires_at, last_used_at, created_by, created_at
            FROM control.api_keys WHERE workspace_id = \(workspaceID)
            ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger)
        let items = try await Self.decode(rows)
        let total = try await client.query(
            "SELECT count(*) FROM control.api_keys WHERE workspace_id = \(workspaceID)", logger: logger
        ).collect().first?.decode(Int.self) ?? 0
        return (items, total)
    }

    func find(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> APIKeyRecord? {
        let rows = try await client.query("""
            SELECT id, workspace_id, name, prefix, scopes, is_active, revoked_at, expires_at, last_used_at, created_by, created_at
            FROM control.api_keys WHERE id = \(id) AND workspace_id = \(workspaceID)
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    /// Revocation is permanent: the key is kept for audit and never becomes usable again.
    func revoke(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> APIKeyRecord? {
        let rows = try await client.query("""
            UPDATE control.api_keys SET is_active = false, revoked_at = COALESCE(revoked_at, now())
            WHERE id = \(id) AND workspace_id = \(workspaceID)
            RETURNING id, workspace_id, name, prefix, scopes, is_active, revoked_at, expires_at, last_used_at, created_by, created_at
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    func delete(_ id: UUID, workspaceID: UUID, logger: Logger) async throws -> Bool {
        try await client.query(
            "DELETE FROM control.api_keys WHERE id = \(id) AND workspace_id = \(workspaceID) RETURNING id", logger: logger
        ).collect().count == 1
    }

    /// The key behind a presented secret, with why it may not be used (if it may not).
    func verify(_ key: APIKey, logger: Logger) async throws -> Result<APIKeyIdentity, AppError> {
        let rows = try await client.query("""
            SELECT id, workspace_id, scopes, created_by, is_active, revoked_at IS NOT NULL,
                   expires_at IS NOT NULL AND expires_at <= now(),
                   last_used_at IS NULL OR last_used_at < now() - interval '1 minute'
            FROM control.api_keys WHERE key_digest = \(key.digest)
            """, logger: logger)
        guard let row = try await rows.collect().first else {
            return .failure(.unauthenticated("invalid_api_key", "The API key is not valid."))
        }
        let (id, workspaceID, scopes, createdBy, active, revoked, expired, stale) =
            try row.decode((UUID, UUID, [String], UUID?, Bool, Bool, Bool, Bool).self)
        if revoked { return .failure(.unauthenticated("api_key_revoked", "The API key has been revoked.")) }
        if expired { return .failure(.unauthenticated("api_key_expired", "The API key has expired.")) }
        if !active { return .failure(.unauthenticated("api_key_disabled", "The API key is disabled.")) }
        if stale {
            // last_used_at is kept to the minute, so a busy key costs one write a minute, not one per request.
            try await client.query("UPDATE control.api_keys SET last_used_at = now() WHERE id = \(id)", logger: logger)
        }
        return .success(APIKeyIdentity(id: id, workspaceID: workspaceID, scopes: Set(scopes), createdBy: createdBy))
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var records: [APIKeyRecord] = []
        for try await row in rows.decode((UUID, UUID, String, String, [String], Bool, Date?, Date?, Date?, UUID?, Date).self) {
            records.append(APIKeyRecord(
                id: row.0, workspaceID: row.1, name: row.2, prefix: row.3, scopes: row.4, isActive: row.5,
                revokedAt: row.6, expiresAt: row.7, lastUsedAt: row.8, createdBy: row.9, createdAt: row.10))
        }
        return records
    }
}

struct APIKeyRecord: ResponseEncodable, Sendable {
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
}
