@_spi(TenantProvisioning) import PlatformCore
import Foundation
import Logging
import PostgresNIO

/// Profiles: your own (`/auth/me`) and other people's (`/users/{user_id}`), seen and edited by
/// someone of the same or a higher role in a workspace you share (staff see everyone); avatars.
struct ProfileController: Sendable {
    let client: PostgresClient
    let users: UserRepository
    let members: WorkspaceMembers
    let avatars: Avatars
    let audit: AuditLog

    static let insufficientRole = WorkspaceMembers.higherRole
    static let roleNeedsWorkspace = AppError.validation("A role belongs to a workspace.", fields: ["workspace_id": "is required with role"])

    static let me = Endpoint(
        .get, "/api/v1/auth/me", "The signed-in user and their workspaces; with ?workspace_id= also their member record there",
        query: MeQuery.self, returns: Profile.self, errors: [ErrorCase(AuthController.userRequired)])
    static let updateMe = Endpoint(
        .patch, "/api/v1/auth/me", "Update your own profile", body: ProfileChange.self, returns: User.self,
        errors: [ErrorCase(AuthController.userRequired), ErrorCase(UserRepository.emailTaken)])
    static let show = Endpoint(
        .get, "/api/v1/users/{user_id}", "A user, for someone of the same or a higher role in a shared workspace (or staff)", returns: User.self,
        errors: [ErrorCase(UserRepository.notFound), ErrorCase(insufficientRole)])
    static let update = Endpoint(
        .patch, "/api/v1/users/{user_id}", "Update a user (same or higher role); `role` with `workspace_id` changes their role there",
        body: UserChange.self, returns: User.self,
        errors: [ErrorCase(UserRepository.notFound), ErrorCase(insufficientRole), ErrorCase(WorkspaceMembers.lastOwner),
                 ErrorCase(WorkspaceMembers.notMember), ErrorCase(UserRepository.emailTaken)])
    static let uploadMyAvatar = Endpoint(
        .post, "/api/v1/auth/me/avatar", "Upload your profile picture (PNG, JPEG or WebP, at most 2 MB, multipart field `file`)",
        body: ImageUpload.self, returns: User.self, errors: [ErrorCase(AuthController.userRequired)])
    static let uploadAvatar = Endpoint(
        .post, "/api/v1/users/{user_id}/avatar", "Upload another user's profile picture (same or higher role)", body: ImageUpload.self,
        returns: User.self, errors: [ErrorCase(UserRepository.notFound), ErrorCase(insufficientRole)])

    func addRoutes(to routes: RouteTable) {
        routes.authenticated(Self.me) { input, context in
            let userID = try context.userID()
            let record = try await users.find(userID, logger: context.logger).orNotFound(AppError.invalidToken)
            let workspaces = try await users.workspaces(of: userID, logger: context.logger)
            var member: MemberSummary?
            // Another workspace (or none at all) has no member record for the caller: null, which says
            // nothing about whether that workspace exists.
            if let workspaceID = input.query.workspaceID, workspaces.contains(where: { $0.id == workspaceID }) {
                let db = try await members.tenantDatabase(workspaceID, logger: context.logger)
                member = try await db.first(MemberSummary.self, """
                    SELECT \(MemberSummary.columns) FROM \(db.table("members")) WHERE user_id = \(userID)
                    """, logger: context.logger)
            }
            return Profile(user: avatars.user(record), workspaces: workspaces, member: member)
        }
        routes.authenticated(Self.updateMe) { input, context in
            let userID = try context.userID()
            let record = try await users.update(userID, input.body, logger: context.logger).orNotFound(AppError.invalidToken)
            return avatars.user(record)
        }
        routes.authenticated(Self.show) { input, context in
            let target = input.id("user_id")
            try await requireStanding(toward: target, context)
            return avatars.user(try await users.find(target, logger: context.logger).orNotFound(UserRepository.notFound))
        }
        routes.authenticated(Self.update) { input, context in
            let target = input.id("user_id")
            let viewer = try await requireStanding(toward: target, context)
            if let role = input.body.role, let workspaceID = input.body.workspaceID {
                let actorRole = try await roleOf(viewer, in: workspaceID, context.logger)
                guard actorRole >= .admin else { throw Self.insufficientRole }
                let previous = try await members.changeRole(of: target, in: workspaceID, to: role, actorRole: actorRole, logger: context.logger)
                if previous != role {
                    await audit.record(
                        .init(.roleChanged, actor: context.principal, workspaceID: workspaceID, target: ("user", target.uuidString.lowercased()),
                              details: ["from": .string(previous.rawValue), "to": .string(role.rawValue)]),
                        client: input.client, logger: context.logger)
                }
            }
            let record = try await users.update(target, input.body.profile, logger: context.logger).orNotFound(UserRepository.notFound)
            await audit.record(.init(.userUpdated, actor: context.principal, target: ("user", target.uuidString.lowercased())),
                               client: input.client, logger: context.logger)
            return avatars.user(record)
        }
        routes.authenticated(Self.uploadMyAvatar) { input, context in
            try await avatars.replace(for: try context.userID(), with: input.body, logger: context.logger)
        }
        routes.authenticated(Self.uploadAvatar) { input, context in
            let target = input.id("user_id")
            try await requireStanding(toward: target, context)
            return try await avatars.replace(for: target, with: input.body, logger: context.logger)
        }
    }

    /// The caller may see and edit `target`: themselves, staff, or the same or a higher role in a
    /// shared workspace. Returns the caller's user id.
    @discardableResult
    func requireStanding(toward target: UUID, _ context: AuthenticatedContext) async throws -> UUID {
        let viewer = try context.userID()
        switch try await users.standing(of: viewer, toward: target, logger: context.logger) {
        case .same, .staff, .sameOrHigher: return viewer
        case .lower: throw Self.insufficientRole
        case .none: throw UserRepository.notFound
        }
    }

    private func roleOf(_ userID: UUID, in workspaceID: UUID, _ logger: Logger) async throws -> Role {
        try await client.first(RoleRow.self, """
            SELECT role FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID) AND status = 'active'
            """, logger: logger).orNotFound(AppError.workspaceForbidden).role
    }

    private struct RoleRow: Row {
        let role: Role
        init(row: RowReader) throws { role = try row("role") }
    }
}

extension AuthenticatedContext {
    /// The signed-in user; an API key is refused (these are a person's own endpoints).
    func userID() throws -> UUID {
        guard case .user(let id, _) = principal else { throw AuthController.userRequired }
        return id
    }
}

struct MeQuery: QueryParameters {
    let workspaceID: UUID?
    enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id" }
}

/// `PATCH /users/{user_id}`: profile fields, and a role in one workspace.
struct UserChange: RequestBody, APIModel {
    var profile: ProfileChange
    var role: Role?
    var workspaceID: UUID?

    enum CodingKeys: String, CodingKey { case role, workspaceID = "workspace_id" }

    init(profile: ProfileChange, role: Role?, workspaceID: UUID?) {
        (self.profile, self.role, self.workspaceID) = (profile, role, workspaceID)
    }

    init(from decoder: any Decoder) throws {
        profile = try ProfileChange(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decodeIfPresent(Role.self, forKey: .role)
        workspaceID = try container.decodeIfPresent(UUID.self, forKey: .workspaceID)
    }

    func encode(to encoder: any Encoder) throws {
        try profile.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(role, forKey: .role)
        try container.encodeIfPresent(workspaceID, forKey: .workspaceID)
    }

    func validated() throws -> UserChange {
        if role != nil && workspaceID == nil { throw ProfileController.roleNeedsWorkspace }
        return UserChange(profile: try profile.validated(), role: role, workspaceID: workspaceID)
    }

    static let example = UserChange(profile: .example, role: .admin, workspaceID: Profile.example.workspaces[0].id)
}
