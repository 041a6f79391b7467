import Foundation
import PlatformCore

/// A workspace as its members see it.
struct Workspace: APIModel, TableRow {
    let id: UUID
    let name: String
    let slug: String
    let status: WorkspaceStatus
    let schemaVersion: Int
    let role: Role?
    let memberCount: Int
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, slug, status, schemaVersion = "schema_version", role, memberCount = "member_count", createdAt = "created_at"
    }

    static let columns: Columns = ["id", "name", "slug", "status", "schema_version", "role", "member_count", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
        slug = try row("slug")
        status = try row("status")
        schemaVersion = try row("schema_version")
        role = try row("role", as: String?.self).flatMap(Role.init(rawValue:))
        memberCount = try row("member_count")
        createdAt = try row("created_at")
    }

    init(id: UUID, name: String, slug: String, status: WorkspaceStatus, schemaVersion: Int, role: Role?, memberCount: Int, createdAt: Date) {
        (self.id, self.name, self.slug, self.status, self.schemaVersion) = (id, name, slug, status, schemaVersion)
        (self.role, self.memberCount, self.createdAt) = (role, memberCount, createdAt)
    }

    static let example = Workspace(
        id: Profile.example.workspaces[0].id, name: "Acme", slug: "acme-2b1a09", status: .active, schemaVersion: 2, role: .owner, memberCount: 3,
        createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

/// A person on a workspace's roster: an active member, or an invitation not yet accepted.
struct RosterEntry: APIModel, TableRow {
    let userID: UUID
    let email: String
    let fullName: String
    let role: Role
    let status: String
    let memberID: UUID?
    let invitedBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", email, fullName = "full_name", role, status, memberID = "member_id", invitedBy = "invited_by", createdAt = "created_at"
    }

    static let columns: Columns = ["user_id", "email", "full_name", "role", "status", "member_id", "invited_by", "created_at"]

    init(row: RowReader) throws {
        userID = try row("user_id")
        email = try row("email")
        fullName = try row("full_name")
        role = try row("role")
        status = try row("status")
        memberID = try row("member_id")
        invitedBy = try row("invited_by")
        createdAt = try row("created_at")
    }

    init(userID: UUID, email: String, fullName: String, role: Role, status: String, memberID: UUID?, invitedBy: UUID?, createdAt: Date) {
        (self.userID, self.email, self.fullName, self.role, self.status) = (userID, email, fullName, role, status)
        (self.memberID, self.invitedBy, self.createdAt) = (memberID, invitedBy, createdAt)
    }

    static let example = RosterEntry(
        userID: User.example.id, email: "grace@example.com", fullName: "Grace Hopper", role: .member, status: "invited", memberID: nil,
        invitedBy: User.example.id, createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

struct NewWorkspace: RequestBody, APIModel {
    let name: String

    func validated() throws -> NewWorkspace {
        var check = Validation()
        let name = check.text(name, "name", length: 1...200)
        try check.finish("The workspace is invalid.")
        return NewWorkspace(name: name)
    }

    static let example = NewWorkspace(name: "Acme Research")
}

struct CreateWorkspaceQuery: QueryParameters {
    /// The seed's flag; a new workspace starts empty either way (there is no sample data).
    let skipSeed: Bool?
    enum CodingKeys: String, CodingKey { case skipSeed = "skip_seed" }
}

/// A workspace being provisioned, and where to follow it.
struct CreatedWorkspace: APIModel {
    let workspace: Workspace
    let jobID: UUID
    let statusURL: String
    let streamURL: String

    enum CodingKeys: String, CodingKey { case workspace, jobID = "job_id", statusURL = "status_url", streamURL = "stream_url" }

    init(workspace: Workspace, ticket: JobTicket) {
        self.workspace = workspace
        jobID = ticket.jobID
        statusURL = ticket.statusURL
        streamURL = ticket.streamURL
    }

    static let example = CreatedWorkspace(workspace: .example, ticket: .example)
}

struct WorkspaceChange: RequestBody, APIModel {
    var name: Patch<String>

    func validated() throws -> WorkspaceChange {
        var check = Validation()
        var change = self
        if case .value(let name) = name { change.name = .value(check.text(name, "name", length: 1...200)) }
        check.require(name != .null, "name", "must not be null")
        try check.finish("The workspace change is invalid.")
        return change
    }

    static let example = WorkspaceChange(name: .value("Acme Labs"))
}

struct WorkspaceChoice: RequestBody, APIModel {
    let workspaceID: UUID
    enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id" }
    static let example = WorkspaceChoice(workspaceID: Workspace.example.id)
}

/// `POST /workspaces/provision` (staff): a workspace for an owner who may not have an account yet.
struct StaffProvisioning: RequestBody, APIModel {
    let ownerEmail: String
    let ownerName: String
    let workspaceName: String
    let skipSeed: Bool?

    enum CodingKeys: String, CodingKey {
        case ownerEmail = "owner_email", ownerName = "owner_name", workspaceName = "workspace_name", skipSeed = "skip_seed"
    }

    func validated() throws -> StaffProvisioning {
        var check = Validation()
        let email = PasswordRule.email(ownerEmail, &check, field: "owner_email")
        let name = check.text(ownerName, "owner_name", length: 0...200)
        let workspace = check.text(workspaceName, "workspace_name", length: 1...200)
        try check.finish("The provisioning request is invalid.")
        return StaffProvisioning(ownerEmail: email, ownerName: name, workspaceName: workspace, skipSeed: skipSeed)
    }

    static let example = StaffProvisioning(ownerEmail: "owner@example.com", ownerName: "Olive Owner", workspaceName: "Olive & Co", skipSeed: true)
}

struct ProvisionedWorkspace: APIModel {
    let workspaceID: UUID
    let ownerUserID: UUID
    let ownerCreated: Bool
    let jobID: UUID
    let statusURL: String
    let streamURL: String

    enum CodingKeys: String, CodingKey {
        case workspaceID = "workspace_id", ownerUserID = "owner_user_id", ownerCreated = "owner_created", jobID = "job_id"
        case statusURL = "status_url", streamURL = "stream_url"
    }

    init(workspaceID: UUID, ownerUserID: UUID, ownerCreated: Bool, ticket: JobTicket) {
        (self.workspaceID, self.ownerUserID, self.ownerCreated) = (workspaceID, ownerUserID, ownerCreated)
        (jobID, statusURL, streamURL) = (ticket.jobID, ticket.statusURL, ticket.streamURL)
    }

    static let example = ProvisionedWorkspace(workspaceID: Workspace.example.id, ownerUserID: User.example.id, ownerCreated: true, ticket: .example)
}

struct InvitationRequest: RequestBody, APIModel {
    let email: String
    let role: Role
    let fullName: String?

    enum CodingKeys: String, CodingKey { case email, role, fullName = "full_name" }

    func validated() throws -> InvitationRequest {
        var check = Validation()
        let email = PasswordRule.email(email, &check)
        let name = fullName.map { check.text($0, "full_name", length: 0...200) }
        try check.finish("The invitation is invalid.")
        return InvitationRequest(email: email, role: role, fullName: name)
    }

    static let example = InvitationRequest(email: "grace@example.com", role: .member, fullName: "Grace Hopper")
}

/// Whose invitation: by `user_id`, by `member_id`, or by `email`.
struct InvitationTarget: RequestBody, APIModel {
    let userID: UUID?
    let memberID: UUID?
    let email: String?

    enum CodingKeys: String, CodingKey { case userID = "user_id", memberID = "member_id", email }

    func validated() throws -> InvitationTarget {
        guard userID != nil || memberID != nil || email != nil else {
            throw AppError.validation("Name the invitation.", fields: ["user_id": "give user_id, member_id or email"])
        }
        return self
    }

    static let example = InvitationTarget(userID: User.example.id, memberID: nil, email: nil)
}

struct InvitationLink: APIModel {
    let invitation: RosterEntry
    let url: String
    let expiresAt: Date

    enum CodingKeys: String, CodingKey { case invitation, url, expiresAt = "expires_at" }

    static let example = InvitationLink(
        invitation: .example, url: "https://app.example.com/invitations/accept?token=q5m0Yc2x8Qk1Vt7p3Ls9Wd4Rb6Nh0Jf2Gz8Ua1Ke5I",
        expiresAt: Date(timeIntervalSince1970: 1_790_604_800))
}

struct TokenQuery: QueryParameters {
    let token: String
}

struct InvitationDetails: APIModel, Row {
    let workspaceID: UUID
    let workspaceName: String
    let email: String
    let fullName: String
    let role: Role
    let passwordRequired: Bool
    let invitedBy: String?

    enum CodingKeys: String, CodingKey {
        case workspaceID = "workspace_id", workspaceName = "workspace_name", email, fullName = "full_name", role
        case passwordRequired = "password_required", invitedBy = "invited_by"
    }

    init(row: RowReader) throws {
        workspaceID = try row("workspace_id")
        workspaceName = try row("workspace_name")
        email = try row("email")
        fullName = try row("full_name")
        role = try row("role")
        passwordRequired = try row("password_required")
        invitedBy = try row("invited_by")
    }

    init(workspaceID: UUID, workspaceName: String, email: String, fullName: String, role: Role, passwordRequired: Bool, invitedBy: String?) {
        (self.workspaceID, self.workspaceName, self.email, self.fullName) = (workspaceID, workspaceName, email, fullName)
        (self.role, self.passwordRequired, self.invitedBy) = (role, passwordRequired, invitedBy)
    }

    static let example = InvitationDetails(
        workspaceID: Workspace.example.id, workspaceName: "Acme", email: "grace@example.com", fullName: "Grace Hopper", role: .member,
        passwordRequired: true, invitedBy: "Ada Lovelace")
}

struct InvitationAcceptance: RequestBody, APIModel {
    let token: String
    let password: String?
    let fullName: String?

    enum CodingKeys: String, CodingKey { case token, password, fullName = "full_name" }

    func validated() throws -> InvitationAcceptance {
        var check = Validation()
        TokenRule.check(token, &check)
        if let password { PasswordRule.check(password, "password", &check) }
        let name = fullName.map { check.text($0, "full_name", length: 1...200) }
        try check.finish("The acceptance is invalid.")
        return InvitationAcceptance(token: token, password: password, fullName: name)
    }

    static let example = InvitationAcceptance(token: PasswordReset.example.token, password: "correct horse battery staple", fullName: "Grace Hopper")
}

struct ResetLink: APIModel {
    let url: String
    let expiresAt: Date
    enum CodingKeys: String, CodingKey { case url, expiresAt = "expires_at" }
    static let example = ResetLink(
        url: "https://app.example.com/reset-password?token=q5m0Yc2x8Qk1Vt7p3Ls9Wd4Rb6Nh0Jf2Gz8Ua1Ke5I", expiresAt: Date(timeIntervalSince1970: 1_790_086_400))
}

/// What `DELETE /workspaces/{id}/members/{user_id}` did (the seed answers 200 with a body).
struct MemberRemoval: APIModel {
    let userID: UUID
    /// `invitation` (not yet accepted) or `member`.
    let removed: String
    /// The account belonged nowhere else and was deleted.
    let userDeleted: Bool

    enum CodingKeys: String, CodingKey { case userID = "user_id", removed, userDeleted = "user_deleted" }
    static let example = MemberRemoval(userID: User.example.id, removed: "member", userDeleted: false)
}
