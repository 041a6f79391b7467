import Foundation
import Logging
import PostgresNIO

/// The only way tenant code reaches SQL: one workspace's schema on the pool its placement names.
/// Only `RouteTable` (after checking access) and the provisioning SPI can make one, and tables are
/// named only through it, so a tenant handler cannot address another schema or the control plane.
/// Statements are schema-qualified (one round trip each); nothing ever sets a session search_path.
/// SQL in one workspace's schema: the scoped handle, or a transaction opened on it.
public protocol TenantQueryable: Queryable {
    /// A table of this workspace, for `PostgresQuery` interpolation.
    func table(_ name: StaticString) -> QualifiedTable
}

extension TenantQueryable {
    /// A function of this workspace's schema (its migrations define them).
    public func function(_ name: StaticString) -> QualifiedTable { table(name) }
}

public struct TenantDatabase: TenantQueryable {
    let pool: TenantPool
    let schema: SchemaName
    public let workspaceID: UUID

    init(pool: TenantPool, workspaceID: UUID) {
        self.pool = pool
        self.workspaceID = workspaceID
        self.schema = .tenant(workspaceID)
    }

    /// A table of this workspace, for `PostgresQuery` interpolation.
    public func table(_ name: StaticString) -> QualifiedTable { schema.table(name) }

    public func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await pool.withConnection(schema: schema, logger: logger) { connection in
            try await pool.run(query, on: connection, logger: logger)
        }
    }

    /// Several statements in one transaction.
    public func transaction<T: Sendable>(logger: Logger, _ body: (TenantTransaction) async throws -> T) async throws -> T {
        try await pool.withConnection(schema: schema, logger: logger) { connection in
            try await connection.transaction(logger: logger) { connection in
                try await body(TenantTransaction(pool: pool, connection: connection, schema: schema))
            }
        }
    }
}

/// A transaction in one workspace's schema.
public struct TenantTransaction: TenantQueryable {
    let pool: TenantPool
    let connection: PostgresConnection
    let schema: SchemaName

    public func table(_ name: StaticString) -> QualifiedTable { schema.table(name) }

    public func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await pool.run(query, on: connection, logger: logger)
    }
}

/// The tenant pools, one per database server a workspace can be placed on (`workspaces.placement`).
/// They connect as the tenant role, which has no privilege on the `control` schema.
public struct TenantPools: Sendable {
    let pools: [String: TenantPool]

    public init(_ clients: [String: PostgresClient], recycling: ConnectionRecycling = ConnectionRecycling()) {
        self.pools = Dictionary(uniqueKeysWithValues: clients.map { ($0, TenantPool(client: $1, placement: $0, recycling: recycling)) })
    }

    public static let primary = "primary"
    /// The database role the tenant pools connect as (created by a control migration).
    public static let role = "platform_tenant"
    public static let placementUnavailable = AppError.unavailable(
        "placement_unavailable", "The workspace's database server is not available here; try again shortly.", retryAfter: 30)

    func database(for membership: WorkspaceMembership) throws -> TenantDatabase {
        try database(workspaceID: membership.workspaceID, placement: membership.placement)
    }

    /// For provisioning and seeding, outside a request.
    @_spi(TenantProvisioning)
    public func database(workspaceID: UUID, placement: String = TenantPools.primary) throws -> TenantDatabase {
        guard let pool = pools[placement] else { throw Self.placementUnavailable }
        return TenantDatabase(pool: pool, workspaceID: workspaceID)
    }

    /// Each placement's pool, for tests and benchmarks.
    public var stats: [String: TenantPoolStats] { pools.mapValues(\.stats) }
}
