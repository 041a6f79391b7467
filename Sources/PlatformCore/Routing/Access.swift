import Foundation

/// Who may call an operation. It is fixed when the operation is registered (each registration
/// method of `RouteTable` takes its own kind), checked in one place, and written into the OpenAPI
/// document.
public enum Access: Sendable, Equatable {
    /// Anyone, without credentials.
    case open
    /// Any signed-in user or API key.
    case authenticated
    /// A control-plane operation on the workspace named by `X-Workspace-Id` (or the key's own).
    case workspace(Permission)
    /// Tenant data, in the workspace's own schema.
    case tenant(Permission)
    /// Tenant data for automation without a token: the body names the workspace and is signed
    /// with that workspace's callback secret (`CallbackSigner`).
    case signed

    public var permission: Permission? {
        switch self {
        case .open, .authenticated, .signed: nil
        case .workspace(let permission), .tenant(let permission): permission
        }
    }

    /// True for the operations scoped by `X-Workspace-Id`: the ones the isolation sweep visits.
    public var isWorkspaceScoped: Bool { permission != nil }
}

/// What an action needs: an API key scope (nil: any key of the workspace), and for a person a
/// minimum role, or a named permission of the workspace's role matrix (`PermissionCatalog`).
public struct Permission: Sendable, Equatable {
    public let scope: String?
    public let minimumRole: Role
    /// `can_<verb>_<resource>`: the workspace's matrix decides for a person (checked by the
    /// tenant gate); `minimumRole` is then only the catalogue's default, for the document.
    public let name: String?

    public init(scope: String?, minimumRole: Role, name: String? = nil) {
        self.scope = scope
        self.minimumRole = minimumRole
        self.name = name
    }

    /// A permission of the role matrix; a key needs `scope`.
    public static func named(_ name: String, scope: String?) -> Permission {
        guard let entry = PermissionCatalog.entry(name) else { preconditionFailure("\(name) is not in PermissionCatalog") }
        return Permission(scope: scope, minimumRole: entry.defaultRole, name: name)
    }

    /// Any member of the workspace, any of its keys.
    public static let member = Permission(scope: nil, minimumRole: .viewer)
    public static let admin = Permission(scope: "admin", minimumRole: .admin)
    public static let recordsRead = Permission(scope: "records:read", minimumRole: .viewer)
    public static let recordsWrite = Permission(scope: "records:write", minimumRole: .member)

    /// Every scope an API key may carry.
    public static let knownScopes: Set<String> = [
        "admin", "records:read", "records:write", "crm:read", "crm:write",
        "channels:read", "channels:write", "visibility:read", "visibility:write", "visibility:run",
    ]

    /// A user by role; a key by scope (`admin` covers every scope).
    func allows(_ principal: Principal, role: Role?) -> Bool {
        switch principal {
        case .user:
            // A named permission is the matrix's to decide (the tenant gate asks it).
            return name != nil || (role ?? .viewer) >= minimumRole
        case .apiKey(let key):
            guard let scope else { return true }
            return key.scopes.contains(scope) || key.scopes.contains(Permission.admin.scope!)
        }
    }

    /// How the OpenAPI document states the rule.
    public var summary: String {
        if let name {
            let key = scope.map { ", or an API key with scope `\($0)` (or `admin`)" } ?? ", or any key of the workspace"
            return "the workspace's `\(name)` permission (by default role \(minimumRole.rawValue) or higher)\(key)"
        }
        let role = "role \(minimumRole.rawValue) or higher"
        guard let scope else { return "any member (\(role)) or any key of the workspace" }
        return "\(role), or an API key with scope `\(scope)` (or `admin`)"
    }
}
