import Foundation
import PlatformCore

/// A team: nested under at most one parent, with members who are leads or members.
struct Team: APIModel, TableRow {
    let id: UUID
    let name: String
    let description: String
    let parentTeamID: UUID?
    let isActive: Bool
    let memberCount: Int
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, description, parentTeamID = "parent_team_id", isActive = "is_active", memberCount = "member_count"
        case createdBy = "created_by", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "name", "description", "parent_team_id", "is_active", "member_count", "created_by", "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
        description = try row("description")
        parentTeamID = try row("parent_team_id")
        isActive = try row("is_active")
        memberCount = try row("member_count")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    init(id: UUID, name: String, description: String, parentTeamID: UUID?, isActive: Bool, memberCount: Int, createdBy: UUID?, createdAt: Date) {
        (self.id, self.name, self.description, self.parentTeamID, self.isActive) = (id, name, description, parentTeamID, isActive)
        (self.memberCount, self.createdBy, self.createdAt, self.updatedAt) = (memberCount, createdBy, createdAt, createdAt)
    }

    static let example = Team(
        id: UUID(uuidString: "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b")!, name: "Research", description: "Finds things out", parentTeamID: nil,
        isActive: true, memberCount: 4, createdBy: nil, createdAt: Date(timeIntervalSince1970: 1_790_000_000))

    struct New: RequestBody, APIModel {
        let name: String
        let description: String?
        let parentTeamID: UUID?

        enum CodingKeys: String, CodingKey { case name, description, parentTeamID = "parent_team_id" }

        func validated() throws -> New {
            var check = Validation()
            let name = check.text(name, "name", length: 1...200)
            let description = check.text(description ?? "", "description", length: 0...2000)
            try check.finish("The team is invalid.")
            return New(name: name, description: description, parentTeamID: parentTeamID)
        }

        static let example = New(name: "Research", description: "Finds things out", parentTeamID: nil)
    }

    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var description: Patch<String>
        var parentTeamID: Patch<UUID>
        var isActive: Patch<Bool>

        enum CodingKeys: String, CodingKey { case name, description, parentTeamID = "parent_team_id", isActive = "is_active" }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let name) = name { change.name = .value(check.text(name, "name", length: 1...200)) }
            if case .value(let text) = description { change.description = .value(check.text(text, "description", length: 0...2000)) }
            check.require(name != .null, "name", "must not be null")
            check.require(isActive != .null, "is_active", "must not be null")
            try check.finish("The team change is invalid.")
            return change
        }

        static let example = Change(name: .value("Research & Development"), description: .absent, parentTeamID: .null, isActive: .absent)
    }

    struct Filter: QueryParameters {
        let search: String?
        let isActive: Bool?
        let parentTeamID: UUID?
        enum CodingKeys: String, CodingKey { case search, isActive = "is_active", parentTeamID = "parent_team_id" }
    }
}

struct TeamList: APIModel {
    let items: [Team]
    static let example = TeamList(items: [.example])
}

/// A member in a team.
struct TeamMember: APIModel, TableRow {
    enum Role: String, SchemaEnum { case lead, member }

    let memberID: UUID
    let email: String
    let fullName: String
    let role: Role
    let joinedAt: Date

    enum CodingKeys: String, CodingKey { case memberID = "member_id", email, fullName = "full_name", role, joinedAt = "joined_at" }

    static let columns: Columns = ["member_id", "email", "full_name", "role", "joined_at"]

    init(row: RowReader) throws {
        memberID = try row("member_id")
        email = try row("email")
        fullName = try row("full_name")
        role = try row("role")
        joinedAt = try row("joined_at")
    }

    init(memberID: UUID, email: String, fullName: String, role: Role, joinedAt: Date) {
        (self.memberID, self.email, self.fullName, self.role, self.joinedAt) = (memberID, email, fullName, role, joinedAt)
    }

    static let example = TeamMember(
        memberID: UUID(uuidString: "6c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f")!, email: "ada@example.com", fullName: "Ada Lovelace", role: .lead,
        joinedAt: Date(timeIntervalSince1970: 1_790_000_000))

    struct New: RequestBody, APIModel {
        let memberID: UUID
        let role: Role?
        enum CodingKeys: String, CodingKey { case memberID = "member_id", role }
        static let example = New(memberID: TeamMember.example.memberID, role: .member)
    }

    struct Change: RequestBody, APIModel {
        let role: Role
        static let example = Change(role: .lead)
    }
}

struct TeamMembers: APIModel {
    let items: [TeamMember]
    static let example = TeamMembers(items: [.example])
}
