import Foundation
import Hummingbird
import Logging
import PlatformCore
import PostgresNIO

struct Record: ResponseEncodable, Sendable {
    let id: UUID
    let recordsetID: UUID
    let data: JSONValue
    let version: Int
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", data, version, createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    typealias Row = (UUID, UUID, JSONValue, Int, UUID?, Date, Date, Int)
    init(_ row: Row) {
        (id, recordsetID, data, version, createdBy, createdAt, updatedAt, _) = row
    }
}

/// Records of one tenant, each in a live recordset of the same tenant. Deleting moves to the trash.
struct RecordRepository: Sendable {
    let client: PostgresClient

    /// Nil when the recordset does not exist in this tenant (or is in the trash).
    func create(in tenant: Tenant, recordsetID: UUID, data: JSONValue, by userID: UUID?, logger: Logger) async throws -> Record? {
        let recordsets = tenant.schema.table("recordsets")
        let members = tenant.schema.table("members")
        return try await Self.decode(client.query("""
            INSERT INTO \(tenant.schema.table("records")) (recordset_id, data, created_by)
            SELECT id, \(data), (SELECT id FROM \(members) WHERE user_id = \(userID))
            FROM \(recordsets) WHERE id = \(recordsetID) AND deleted_at IS NULL
            RETURNING id, recordset_id, data, version, created_by, created_at, updated_at, 1
            """, logger: logger)).items.first
    }

    func list(in tenant: Tenant, recordsetID: UUID?, page: Page, logger: Logger) async throws -> (items: [Record], total: Int) {
        let records = tenant.schema.table("records")
        let result = try await Self.decode(client.query("""
            SELECT id, recordset_id, data, version, created_by, created_at, updated_at, count(*) OVER ()::int
            FROM \(records)
            WHERE deleted_at IS NULL AND (\(recordsetID)::uuid IS NULL OR recordset_id = \(recordsetID))
            ORDER BY created_at, id LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger))
        if result.items.isEmpty && page.offset > 0 {
            let total = try await client.query("""
                SELECT count(*)::int FROM \(records)
                WHERE deleted_at IS NULL AND (\(recordsetID)::uuid IS NULL OR recordset_id = \(recordsetID))
                """, logger: logger).collect().first?.decode(Int.self) ?? 0
            return ([], total)
        }
        return result
    }

    func find(_ id: UUID, in tenant: Tenant, logger: Logger) async throws -> Record? {
        try await Self.decode(client.query("""
            SELECT id, recordset_id, data, version, created_by, created_at, updated_at, 1
            FROM \(tenant.schema.table("records")) WHERE id = \(id) AND deleted_at IS NULL
            """, logger: logger)).items.first
    }

    /// Merges the given top-level keys into the record's data and bumps its version.
    func update(_ id: UUID, in tenant: Tenant, merging data: JSONValue, logger: Logger) async throws -> Record? {
        try await Self.decode(client.query("""
            UPDATE \(tenant.schema.table("records"))
            SET data = data || \(data), version = version + 1, updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING id, recordset_id, data, version, created_by, created_at, updated_at, 1
            """, logger: logger)).items.first
    }

    func trash(_ id: UUID, in tenant: Tenant, logger: Logger) async throws -> Bool {
        try await client.query("""
            UPDATE \(tenant.schema.table("records")) SET deleted_at = now(), updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """, logger: logger).collect().count == 1
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> (items: [Record], total: Int) {
        var items: [Record] = []
        var total = 0
        for try await row in rows.decode(Record.Row.self) {
            items.append(Record(row))
            total = row.7
        }
        return (items, total)
    }
}
