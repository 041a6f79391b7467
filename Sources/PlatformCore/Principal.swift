import Foundation


/// Who is calling: a signed-in user, or an API key that belongs to exactly one workspace.
public enum Principal: Sendable, Equatable {
    /// `workspace`: the workspace the session was switched to (`POST /workspaces/switch`), used
    /// when a request names none.
    case user(id: UUID, workspace: UUID? = nil)
    case apiKey(APIKeyIdentity)

    /// The user a write is attributed to: the user, or the key's creator.
    public var actingUserID: UUID? {
        switch self {
        case .user(let id, _): id
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

public enum Role: String, SchemaEnum, Comparable {
    case viewer, member, admin, owner

    private var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Where a workspace is in its life.
public enum WorkspaceStatus: String, SchemaEnum {
    case provisioning, active, suspended, archived
}
