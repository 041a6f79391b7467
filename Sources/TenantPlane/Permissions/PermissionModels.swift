import Foundation
import PlatformCore

struct PermissionInfo: APIModel {
    let name: String
    let resource: String
    let description: String
    let defaultRole: Role

    enum CodingKeys: String, CodingKey { case name, resource, description, defaultRole = "default_role" }

    init(_ entry: PermissionCatalog.Entry) {
        (name, resource, description, defaultRole) = (entry.name, entry.resource, entry.description, entry.defaultRole)
    }

    static let example = PermissionInfo(PermissionCatalog.all[1])
}

struct PermissionList: APIModel {
    let items: [PermissionInfo]
    static let example = PermissionList(items: [.example])
}

struct PermissionGroups: APIModel {
    struct Group: Codable, Sendable {
        let resource: String
        let permissions: [PermissionInfo]
    }
    let groups: [Group]
    static let example = PermissionGroups(groups: [.init(resource: "recordset", permissions: [.example])])
}

struct ResourceFilter: QueryParameters {
    let resource: String?
}

struct PermissionCheck: APIModel {
    let permission: String
    let allowed: Bool
    static let example = PermissionCheck(permission: "can_create_recordset", allowed: true)
}

/// One role's matrix: every catalogue permission, whether the role holds it, and whether this
/// workspace changed it from the default.
struct RolePermissions: APIModel {
    struct Grant: Codable, Sendable, Equatable {
        let permission: String
        let allowed: Bool
        let isCustom: Bool
        enum CodingKeys: String, CodingKey { case permission, allowed, isCustom = "is_custom" }
    }
    let role: Role
    let permissions: [Grant]

    static let example = RolePermissions(role: .member, permissions: [.init(permission: "can_create_recordset", allowed: true, isCustom: false)])
}

struct MyPermissions: APIModel {
    let role: Role?
    let permissions: [String]
    static let example = MyPermissions(role: .member, permissions: ["can_view_record", "can_create_record"])
}

struct RoleMatrix: APIModel {
    let roles: [String: [String]]
    static let example = RoleMatrix(roles: ["member": ["can_view_record", "can_create_record"], "viewer": ["can_view_record"]])
}

struct SeedResult: APIModel {
    let added: Int
    static let example = SeedResult(added: 64)
}

/// `PUT /permissions/roles/{role}`: the role's permissions to set (others stay as they are).
struct RolePermissionsUpdate: RequestBody, APIModel {
    let permissions: [String: Bool]

    func validated() throws -> RolePermissionsUpdate {
        var check = Validation()
        let unknown = Set(permissions.keys).subtracting(PermissionCatalog.names)
        check.require(unknown.isEmpty, "permissions", "unknown permissions: \(unknown.sorted().joined(separator: ", "))")
        check.require(!permissions.isEmpty, "permissions", "name at least one permission")
        try check.finish("The permission update is invalid.")
        return self
    }

    static let example = RolePermissionsUpdate(permissions: ["can_create_team": true, "can_delete_record": false])
}

/// `PATCH /permissions/roles/{role}`: one permission.
struct RolePermissionChange: RequestBody, APIModel {
    let permission: String
    let allowed: Bool

    func validated() throws -> RolePermissionChange {
        var check = Validation()
        check.require(PermissionCatalog.names.contains(permission), "permission", "is not a known permission")
        try check.finish("The permission change is invalid.")
        return self
    }

    static let example = RolePermissionChange(permission: "can_create_team", allowed: true)
}
