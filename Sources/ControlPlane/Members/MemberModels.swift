import Foundation
import PlatformCore

/// A member of the workspace, as its own schema keeps them (with a signed avatar URL).
struct Member: APIModel {
    let id: UUID
    let userID: UUID
    let email: String
    let fullName: String
    let displayName: String
    let title: String
    let phone: String
    let role: Role
    let status: String
    let isActive: Bool
    let avatarURL: String?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, userID = "user_id", email, fullName = "full_name", displayName = "display_name", title, phone, role, status
        case isActive = "is_active", avatarURL = "avatar_url", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ row: MemberRow, avatarURL: String?) {
        (id, userID, email, fullName, displayName) = (row.id, row.userID, row.email, row.fullName, row.displayName)
        (title, phone, role, status, isActive) = (row.title, row.phone, row.role, row.status, row.status == "active")
        (self.avatarURL, createdAt, updatedAt) = (avatarURL, row.createdAt, row.updatedAt)
    }

    init(id: UUID, userID: UUID, email: String, fullName: String, displayName: String, title: String, phone: String, role: Role,
         status: String, avatarURL: String?, createdAt: Date) {
        (self.id, self.userID, self.email, self.fullName, self.displayName) = (id, userID, email, fullName, displayName)
        (self.title, self.phone, self.role, self.status, self.isActive) = (title, phone, role, status, status == "active")
        (self.avatarURL, self.createdAt, self.updatedAt) = (avatarURL, createdAt, createdAt)
    }

    static let example = Member(
        id: MemberSummary.example.id, userID: User.example.id, email: "ada@example.com", fullName: "Ada Lovelace", displayName: "Ada",
        title: "Analyst", phone: "", role: .admin, status: "active", avatarURL: nil, createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

/// The tenant's `members` row.
struct MemberRow: TableRow {
    let id: UUID
    let userID: UUID
    let email: String
    let fullName: String
    let displayName: String
    let title: String
    let phone: String
    let role: Role
    let status: String
    let avatarKey: String?
    let tours: JSONValue
    let createdAt: Date
    let updatedAt: Date

    static let columns: Columns = [
        "id", "user_id", "email", "full_name", "display_name", "title", "phone", "role", "status", "avatar_key", "tours", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        userID = try row("user_id")
        email = try row("email")
        fullName = try row("full_name")
        displayName = try row("display_name")
        title = try row("title")
        phone = try row("phone")
        role = try row("role")
        status = try row("status")
        avatarKey = try row("avatar_key")
        tours = try row("tours")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }
}

/// `/members/all`: just enough for pickers and @mentions.
struct MemberBrief: APIModel {
    let id: UUID
    let email: String
    let fullName: String
    let displayName: String
    let avatarURL: String?
    let role: Role

    enum CodingKeys: String, CodingKey { case id, email, fullName = "full_name", displayName = "display_name", avatarURL = "avatar_url", role }

    static let example = MemberBrief(id: Member.example.id, email: "ada@example.com", fullName: "Ada Lovelace", displayName: "Ada", avatarURL: nil, role: .admin)
}

struct MemberBriefs: APIModel {
    let items: [MemberBrief]
    static let example = MemberBriefs(items: [.example])
}

struct MemberFilter: QueryParameters {
    let search: String?
    let isActive: Bool?
    let page: Page
    enum CodingKeys: String, CodingKey { case search, isActive = "is_active", page }
}

struct NewMember: RequestBody, APIModel {
    let userID: UUID?
    let email: String?
    let role: Role

    enum CodingKeys: String, CodingKey { case userID = "user_id", email, role }

    func validated() throws -> NewMember {
        var check = Validation()
        check.require(userID != nil || email != nil, "user_id", "give user_id or email")
        let email = self.email.map { PasswordRule.email($0, &check) }
        try check.finish("The member is invalid.")
        return NewMember(userID: userID, email: email, role: role)
    }

    static let example = NewMember(userID: User.example.id, email: nil, role: .member)
}

/// `PATCH /members/{id}`: profile fields (yourself, or an admin), and `role` (an admin, same or higher).
struct MemberChange: RequestBody, APIModel {
    var displayName: Patch<String>
    var title: Patch<String>
    var phone: Patch<String>
    var role: Role?

    enum CodingKeys: String, CodingKey { case displayName = "display_name", title, phone, role }

    func validated() throws -> MemberChange {
        var check = Validation()
        var change = self
        if case .value(let name) = displayName { change.displayName = .value(check.text(name, "display_name", length: 0...200)) }
        if case .value(let title) = title { change.title = .value(check.text(title, "title", length: 0...200)) }
        if case .value(let phone) = phone { change.phone = .value(check.text(phone, "phone", length: 0...50)) }
        try check.finish("The member change is invalid.")
        return change
    }

    static let example = MemberChange(displayName: .value("Ada"), title: .absent, phone: .absent, role: .admin)
}

struct Reassignment: RequestBody, APIModel {
    let toMemberID: UUID
    enum CodingKeys: String, CodingKey { case toMemberID = "to_member_id" }
    static let example = Reassignment(toMemberID: UUID(uuidString: "7d2e3f40-5b6c-4d7e-8f90-a1b2c3d4e5f6")!)
}

/// Rows naming a member, per table and column (owned-items, reassign).
struct OwnedItems: APIModel {
    struct Reference: Codable, Sendable, Row {
        let table: String
        let column: String
        let items: Int

        init(table: String, column: String, items: Int) {
            (self.table, self.column, self.items) = (table, column, items)
        }

        init(row: RowReader) throws {
            table = try row("table_name")
            column = try row("column_name")
            items = Int(try row("items", as: Int64.self))
        }
    }

    let memberID: UUID
    let total: Int
    let references: [Reference]

    enum CodingKeys: String, CodingKey { case memberID = "member_id", total, references }

    init(memberID: UUID, references: [Reference]) {
        self.memberID = memberID
        self.references = references
        total = references.reduce(0) { $0 + $1.items }
    }

    static let example = OwnedItems(memberID: Member.example.id, references: [.init(table: "records", column: "created_by", items: 12)])
}

struct DeletionInfo: APIModel {
    let memberID: UUID
    let userID: UUID
    let workspaceCount: Int
    let canDeleteUser: Bool
    enum CodingKeys: String, CodingKey { case memberID = "member_id", userID = "user_id", workspaceCount = "workspace_count", canDeleteUser = "can_delete_user" }
    static let example = DeletionInfo(memberID: Member.example.id, userID: User.example.id, workspaceCount: 1, canDeleteUser: true)
}

/// Onboarding tours: tour id → `{status, at}`.
struct Tours: APIModel {
    let tours: JSONValue
    static let example = Tours(tours: ["welcome": ["status": "completed", "at": "2026-11-30T12:00:00Z"]])
}

struct TourUpdate: RequestBody, APIModel {
    enum Status: String, SchemaEnum { case completed, skipped }
    let tourID: String
    let status: Status

    enum CodingKeys: String, CodingKey { case tourID = "tour_id", status }

    func validated() throws -> TourUpdate {
        var check = Validation()
        let id = check.text(tourID, "tour_id", length: 1...100)
        try check.finish("The tour update is invalid.")
        return TourUpdate(tourID: id, status: status)
    }

    static let example = TourUpdate(tourID: "welcome", status: .completed)
}

struct TourReset: QueryParameters {
    let tourID: String?
    enum CodingKeys: String, CodingKey { case tourID = "tour_id" }
}
