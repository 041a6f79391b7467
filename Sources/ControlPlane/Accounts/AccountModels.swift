import Foundation
import PlatformCore

/// A user as the API shows them. The avatar is a short-lived signed URL.
struct User: APIModel {
    let id: UUID
    let email: String
    let fullName: String
    let title: String
    let phone: String
    let bio: String
    let avatarURL: String?
    let status: String
    let isStaff: Bool
    let isSuperuser: Bool
    let hasPassword: Bool
    let createdAt: Date
    let lastLoginAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, fullName = "full_name", title, phone, bio, avatarURL = "avatar_url", status, isStaff = "is_staff"
        case isSuperuser = "is_superuser", hasPassword = "has_password", createdAt = "created_at", lastLoginAt = "last_login_at"
    }

    init(_ record: UserRecord, avatarURL: String?) {
        id = record.id
        email = record.email
        fullName = record.fullName
        title = record.title
        phone = record.phone
        bio = record.bio
        self.avatarURL = avatarURL
        status = record.status
        isStaff = record.isStaff
        isSuperuser = record.isSuperuser
        hasPassword = record.hasPassword
        createdAt = record.createdAt
        lastLoginAt = record.lastLoginAt
    }

    init(id: UUID, email: String, fullName: String, title: String, phone: String, bio: String, avatarURL: String?, status: String,
         isStaff: Bool, isSuperuser: Bool, hasPassword: Bool, createdAt: Date, lastLoginAt: Date?) {
        (self.id, self.email, self.fullName, self.title, self.phone, self.bio) = (id, email, fullName, title, phone, bio)
        (self.avatarURL, self.status, self.isStaff, self.isSuperuser) = (avatarURL, status, isStaff, isSuperuser)
        (self.hasPassword, self.createdAt, self.lastLoginAt) = (hasPassword, createdAt, lastLoginAt)
    }

    static let example = User(
        id: UUID(uuidString: "9a0d5e2c-3b4f-4c6d-8e7f-1a2b3c4d5e6f")!, email: "ada@example.com", fullName: "Ada Lovelace", title: "Engineer",
        phone: "+44 20 7946 0000", bio: "", avatarURL: nil, status: "active", isStaff: false, isSuperuser: false, hasPassword: true,
        createdAt: Date(timeIntervalSince1970: 1_790_000_000), lastLoginAt: nil)
}

/// `GET /auth/me`: the user, their workspaces, and with `?workspace_id=` their member record there.
struct Profile: APIModel {
    struct Workspace: Codable, Sendable, Row {
        let id: UUID
        let name: String
        let slug: String
        let role: Role
        let status: WorkspaceStatus

        init(id: UUID, name: String, slug: String, role: Role, status: WorkspaceStatus) {
            (self.id, self.name, self.slug, self.role, self.status) = (id, name, slug, role, status)
        }

        init(row: RowReader) throws {
            id = try row("id")
            name = try row("name")
            slug = try row("slug")
            role = try row("role")
            status = try row("status")
        }
    }

    let user: User
    let workspaces: [Workspace]
    let member: MemberSummary?

    enum CodingKeys: String, CodingKey { case workspaces, member }

    init(user: User, workspaces: [Workspace], member: MemberSummary?) {
        (self.user, self.workspaces, self.member) = (user, workspaces, member)
    }

    init(from decoder: any Decoder) throws {
        user = try User(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        workspaces = try container.decode([Workspace].self, forKey: .workspaces)
        member = try container.decodeIfPresent(MemberSummary.self, forKey: .member)
    }

    func encode(to encoder: any Encoder) throws {
        try user.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workspaces, forKey: .workspaces)
        try container.encode(member, forKey: .member)
    }

    static let example = Profile(
        user: .example,
        workspaces: [.init(id: UUID(uuidString: "3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09")!, name: "Acme", slug: "acme-2b1a09", role: .owner, status: .active)],
        member: .example)
}

/// A member row of a workspace's own schema, as `me` shows it.
struct MemberSummary: APIModel, TableRow {
    let id: UUID
    let userID: UUID
    let email: String
    let fullName: String
    let role: Role
    let status: String
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, userID = "user_id", email, fullName = "full_name", role, status, createdAt = "created_at"
    }

    static let columns: Columns = ["id", "user_id", "email", "full_name", "role", "status", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        userID = try row("user_id")
        email = try row("email")
        fullName = try row("full_name")
        role = try row("role")
        status = try row("status")
        createdAt = try row("created_at")
    }

    init(id: UUID, userID: UUID, email: String, fullName: String, role: Role, status: String, createdAt: Date) {
        (self.id, self.userID, self.email, self.fullName, self.role, self.status, self.createdAt) = (id, userID, email, fullName, role, status, createdAt)
    }

    static let example = MemberSummary(
        id: UUID(uuidString: "6c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f")!, userID: User.example.id, email: "ada@example.com",
        fullName: "Ada Lovelace", role: .owner, status: "active", createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

/// The password rule every endpoint that sets one applies.
enum PasswordRule {
    static func check(_ password: String, _ field: String, _ check: inout Validation) {
        check.require(password.count >= 8, field, "must be at least 8 characters")
        check.require(password.utf8.count <= 1024, field, "must be at most 1024 bytes")
    }

    static func email(_ raw: String, _ check: inout Validation, field: String = "email") -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        check.require(SignupRequest.looksLikeEmail(email), field, "must be a valid email address")
        return email
    }
}

/// A sentence, for endpoints whose answer is only that they were heard.
struct Acknowledgement: APIModel {
    let message: String
    static let example = Acknowledgement(message: "If an account exists for this email, a message is on its way.")
}

/// `PATCH /auth/me` and `PATCH /users/{user_id}`: each field left out stays as it is.
struct ProfileChange: RequestBody, APIModel {
    var fullName: Patch<String>
    var email: Patch<String>
    var title: Patch<String>
    var phone: Patch<String>
    var bio: Patch<String>

    enum CodingKeys: String, CodingKey { case fullName = "full_name", email, title, phone, bio }

    func validated() throws -> ProfileChange {
        var check = Validation()
        var change = self
        if case .value(let name) = fullName { change.fullName = .value(check.text(name, "full_name", length: 1...200)) }
        if case .value(let email) = email { change.email = .value(PasswordRule.email(email, &check)) }
        if case .value(let title) = title { change.title = .value(check.text(title, "title", length: 0...200)) }
        if case .value(let phone) = phone { change.phone = .value(check.text(phone, "phone", length: 0...50)) }
        if case .value(let bio) = bio { change.bio = .value(check.text(bio, "bio", length: 0...2000)) }
        check.require(email != .null, "email", "must not be null")
        try check.finish("The profile change is invalid.")
        return change
    }

    static let example = ProfileChange(fullName: .value("Ada King"), email: .absent, title: .value("Countess"), phone: .absent, bio: .absent)
}
