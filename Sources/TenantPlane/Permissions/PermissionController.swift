import Foundation
import Logging
import PlatformCore

/// `/permissions` (§2.5): the catalogue, the workspace's role matrix, and the caller's own.
/// The matrix is what the route table checks for every named permission, on the next request.
/// Owners hold everything and cannot be changed; only an owner changes what admins may do.
struct PermissionController: Sendable {
    static let unknownRole = AppError.notFound("role_not_found", "Roles are owner, admin, member and viewer.")
    static let unknownPermission = AppError.notFound("permission_not_found", "No permission has this name.")
    static let ownerImmutable = AppError.forbidden("owner_immutable", "Owners hold every permission; that cannot be changed.")
    static let higherRole = AppError.forbidden("insufficient_role", "Only an owner changes what admins may do.")

    static let roles = Role.allCases.map(\.rawValue)
    static let names = PermissionCatalog.all.map(\.name)

    static let list = Endpoint(.get, "/api/v1/permissions", "The permission catalogue (filter by resource)", query: ResourceFilter.self,
                               returns: PermissionList.self)
    static let grouped = Endpoint(.get, "/api/v1/permissions/grouped", "The catalogue grouped by resource", returns: PermissionGroups.self)
    static let check = Endpoint(
        .get, "/api/v1/permissions/check/{permission}", "Whether you hold a permission here", returns: PermissionCheck.self,
        errors: [ErrorCase(unknownPermission)]
    ).accepting("permission", names)
    static let me = Endpoint(.get, "/api/v1/permissions/me", "Your role and the permissions it holds here", returns: MyPermissions.self)
    static let matrix = Endpoint(.get, "/api/v1/permissions/roles", "Every role's permissions (owners and admins)", returns: RoleMatrix.self)
    static let role = Endpoint(
        .get, "/api/v1/permissions/roles/{role}", "One role's permissions, marking the ones this workspace changed", returns: RolePermissions.self,
        errors: [ErrorCase(unknownRole)]
    ).accepting("role", roles)
    static let reset = Endpoint(
        .post, "/api/v1/permissions/roles/{role}/reset", "Put a role back to the catalogue's defaults", returns: RolePermissions.self,
        errors: [ErrorCase(unknownRole), ErrorCase(ownerImmutable), ErrorCase(higherRole)]
    ).accepting("role", roles)
    static let seed = Endpoint(
        .post, "/api/v1/permissions/seed", "Write the default matrix where rows are missing (idempotent)", returns: SeedResult.self, status: .created)
    static let replace = Endpoint(
        .put, "/api/v1/permissions/roles/{role}", "Set several of a role's permissions at once", body: RolePermissionsUpdate.self,
        returns: RolePermissions.self, errors: [ErrorCase(unknownRole), ErrorCase(ownerImmutable), ErrorCase(higherRole)]
    ).accepting("role", roles)
    static let set = Endpoint(
        .patch, "/api/v1/permissions/roles/{role}", "Set one of a role's permissions", body: RolePermissionChange.self,
        returns: RolePermissions.self, errors: [ErrorCase(unknownRole), ErrorCase(ownerImmutable), ErrorCase(higherRole)]
    ).accepting("role", roles)

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, .member) { input, _ in
            PermissionList(items: PermissionCatalog.all.filter { input.query.resource == nil || $0.resource == input.query.resource }.map(PermissionInfo.init))
        }
        routes.tenant(Self.grouped, .member) { _, _ in
            let resources = PermissionCatalog.all.map(\.resource).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return PermissionGroups(groups: resources.map { resource in
                .init(resource: resource, permissions: PermissionCatalog.all.filter { $0.resource == resource }.map(PermissionInfo.init))
            })
        }
        routes.tenant(Self.check, .member) { input, context in
            let name = input.parameter("permission")
            guard PermissionCatalog.names.contains(name) else { throw Self.unknownPermission }
            return PermissionCheck(permission: name, allowed: try await held(by: context).contains(name))
        }
        routes.tenant(Self.me, .member) { _, context in
            MyPermissions(role: context.membership.role, permissions: try await held(by: context).sorted())
        }
        routes.tenant(Self.matrix, .admin) { _, context in
            var roles: [String: [String]] = [:]
            for role in Role.allCases {
                roles[role.rawValue] = try await grants(role, context).filter(\.allowed).map(\.permission)
            }
            return RoleMatrix(roles: roles)
        }
        routes.tenant(Self.role, .member) { input, context in
            let role = try Self.role(input.parameter("role"))
            return RolePermissions(role: role, permissions: try await grants(role, context))
        }
        routes.tenant(Self.reset, .admin) { input, context in
            let role = try changeable(input.parameter("role"), context)
            try await context.db.execute("DELETE FROM \(context.db.table("role_permissions")) WHERE role = \(role.rawValue)", logger: context.logger)
            try await PermissionCatalog.seed(on: context.db, logger: context.logger)
            return RolePermissions(role: role, permissions: try await grants(role, context))
        }
        routes.tenant(Self.seed, .admin) { _, context in
            SeedResult(added: try await PermissionCatalog.seed(on: context.db, logger: context.logger))
        }
        routes.tenant(Self.replace, .admin) { input, context in
            let role = try changeable(input.parameter("role"), context)
            try await write(role, input.body.permissions, context)
            return RolePermissions(role: role, permissions: try await grants(role, context))
        }
        routes.tenant(Self.set, .admin) { input, context in
            let role = try changeable(input.parameter("role"), context)
            try await write(role, [input.body.permission: input.body.allowed], context)
            return RolePermissions(role: role, permissions: try await grants(role, context))
        }
    }

    static func role(_ raw: String) throws -> Role {
        try Role(rawValue: raw).orNotFound(unknownRole)
    }

    /// A role the caller may change: never the owner's; the admin's only by an owner.
    private func changeable(_ raw: String, _ context: TenantContext) throws -> Role {
        let role = try Self.role(raw)
        guard role != .owner else { throw Self.ownerImmutable }
        if role == .admin, case .user = context.principal, context.membership.role != .owner { throw Self.higherRole }
        return role
    }

    /// The role's matrix: this workspace's rows, the catalogue's defaults where it has none.
    private func grants(_ role: Role, _ context: TenantContext) async throws -> [RolePermissions.Grant] {
        struct Stored: Row {
            let permission: String
            let allowed: Bool
            let isCustom: Bool
            init(row: RowReader) throws {
                permission = try row("permission")
                allowed = try row("allowed")
                isCustom = try row("is_custom")
            }
        }
        let stored = Dictionary(uniqueKeysWithValues: try await context.db.all(Stored.self, """
            SELECT permission, allowed, is_custom FROM \(context.db.table("role_permissions")) WHERE role = \(role.rawValue)
            """, logger: context.logger).map { ($0.permission, $0) })
        return PermissionCatalog.all.map { entry in
            let row = stored[entry.name]
            let allowed = role == .owner ? true : row?.allowed ?? PermissionCatalog.byDefault(entry.name, role)
            return .init(permission: entry.name, allowed: allowed, isCustom: role != .owner && (row?.isCustom ?? false))
        }
    }

    /// What the caller holds: a person by their role's matrix, a key by its scopes' reach.
    private func held(by context: TenantContext) async throws -> Set<String> {
        guard case .user = context.principal, let role = context.membership.role else {
            return Set(PermissionCatalog.names)
        }
        return Set(try await grants(role, context).filter(\.allowed).map(\.permission))
    }

    private func write(_ role: Role, _ permissions: [String: Bool], _ context: TenantContext) async throws {
        let names = Array(permissions.keys)
        let allowed = names.map { permissions[$0]! }
        let defaults = names.map { PermissionCatalog.byDefault($0, role) }
        try await context.db.execute("""
            INSERT INTO \(context.db.table("role_permissions")) (role, permission, allowed, is_custom)
            SELECT \(role.rawValue), name, allowed, allowed <> fallback FROM unnest(\(names)::text[], \(allowed)::bool[], \(defaults)::bool[]) AS t(name, allowed, fallback)
            ON CONFLICT (role, permission) DO UPDATE SET allowed = EXCLUDED.allowed, is_custom = EXCLUDED.is_custom, updated_at = now()
            """, logger: context.logger)
    }
}
