import Foundation

/// Who is calling: a signed-in user, or an API key that belongs to exactly one workspace.
public enum Principal: Sendable, Equatable {
    case user(id: UUID)
    case apiKey(APIKeyIdentity)

    /// The user a write is attributed to: the user, or the key's creator.
    public var actingUserID: UUID? {
        switch self {
        case .user(let id): id
        case .apiKey(let key): key.createdBy
        }
    }
}

public struct APIKeyIdentity: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let scopes: Set<String>
    public let createdBy: UUID?

    public init(id: UUID, workspaceID: UUID, scopes: Set<String>, createdBy: UUID?) {
        self.id = id
        self.workspaceID = workspaceID
        self.scopes = scopes
        self.createdBy = createdBy
    }
}

public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer, member, admin, owner

    private var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// What an action needs: an API key scope, or a minimum workspace role for a user.
public struct Permission: Sendable {
    public let scope: String
    public let minimumRole: Role

    public init(scope: String, minimumRole: Role) {
        self.scope = scope
        self.minimumRole = minimumRole
    }

    public static let admin = Permission(scope: "admin", minimumRole: .admin)
    public static let recordsRead = Permission(scope: "records:read", minimumRole: .viewer)
    public static let recordsWrite = Permission(scope: "records:write", minimumRole: .member)

    /// Every scope an API key may carry.
    public static let knownScopes: Set<String> = [
        "admin", "records:read", "records:write", "crm:read", "crm:write",
        "channels:read", "channels:write", "visibility:read", "visibility:write",
    ]
}
