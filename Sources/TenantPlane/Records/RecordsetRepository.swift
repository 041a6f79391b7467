import Foundation
import Hummingbird
import Logging
import PlatformCore
import PostgresNIO

struct Recordset: ResponseEncodable, Sendable {
    let id: UUID
    let name: String
    let description: String
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, description, createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    typealias Row = (UUID, String, String, UUID?, Date, Date, Int)
    init(_ row: Row) {
        (id, name, description, createdBy, createdAt, updatedAt, _) = row
    }
}

/// Recordsets of one tenant. Deleting moves a recordset to the trash (`deleted_at`).
struct RecordsetRepository: Sendable {
    let client: PostgresClient

    func create(in tenant: Tenant, name: String, description: String, by userID: UUID?, logger: Logger) async throws -> Recordset {
        let members = tenant.schema.table("members")
        let rows = try await client.query("""
            INSERT INTO \(tenant.schema.table("recordsets")) (name, description, created_by)
            VALUES (\(name), \(description), (SELECT id FROM \(members) WHERE user_id = \(userID)))
            RETURNING id, name, description, created_by, created_at, updated_at, 1
            """, logger: logger)
        return try await Self.decode(rows).items[0]
    }

    func list(in tenant: Tenant, page: Page, logger: Logger) async throws -> (items: [Recordset], total: Int) {
        let table = tenant.schema.table("recordsets")
        let result = try await Self.decode(client.query("""
            SELECT id, name, description, created_by, created_at, updated_at, count(*) OVER ()::int
            FROM \(table) WHERE deleted_at IS NULL
            ORDER BY created_at, id LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger))
        if result.items.isEmpty && page.offset > 0 {
            let total = try await client.query("SELECT count(*)::int FROM \(table) WHERE deleted_at IS NULL", logger: logger)
                .collect().first?.decode(Int.self) ?? 0
            return ([], total)
        }
        return result
    }

    func find(_ id: UUID, in tenant: Tenant, logger: Logger) async throws -> Recordset? {
        try await Self.decode(client.query("""
            SELECT id, name, description, created_by, created_at, updated_at, 1
            FROM \(tenant.schema.table("recordsets")) WHERE id = \(id) AND deleted_at IS NULL
            """, logger: logger)).items.first
    }

    func update(_ id: UUID, in tenant: Tenant, name: String?, description: String?, logger: Logger) async throws -> Recordset? {
        try await Self.decode(client.query("""
            UPDATE \(tenant.schema.table("recordsets"))
            SET name = COALESCE(\(name), name), description = COALESCE(\(description), description), updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING id, name, description, created_by, created_at, updated_at, 1
            """, logger: logger)).items.first
    }

    func trash(_ id: UUID, in tenant: Tenant, logger: Logger) async throws -> Bool {
        try await client.query("""
            UPDATE \(tenant.schema.table("recordsets")) SET deleted_at = now(), updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """, logger: logger).collect().count == 1
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> (items: [Recordset], total: Int) {
        var items: [Recordset] = []
        var total = 0
        for try await row in rows.decode(Recordset.Row.self) {
            items.append(Recordset(row))
            total = row.6
        }
        return (items, total)
    }
}
