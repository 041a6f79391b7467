import Foundation
import PlatformCore

/// Access to one recordset for a member or a team, with its levels.
struct AccessGrant: APIModel, TableRow {
    let id: UUID
    let recordsetID: UUID
    let memberID: UUID?
    let teamID: UUID?
    /// The member's name (or e-mail) or the team's name.
    let grantee: String
    let levels: AccessLevels
    let grantedBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, recordsetID = "recordset_id", memberID = "member_id", teamID = "team_id", grantee, levels, grantedBy = "granted_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = ["id", "recordset_id", "member_id", "team_id", "grantee", "granted_by", "created_at", "updated_at"]

    init(row: RowReader) throws {
        id = try row("id")
        recordsetID = try row("recordset_id")
        memberID = try row("member_id")
        teamID = try row("team_id")
        grantee = try row("grantee")
        levels = try AccessLevels(row: row)
        grantedBy = try row("granted_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    init(id: UUID, recordsetID: UUID, memberID: UUID?, teamID: UUID?, grantee: String, levels: AccessLevels, grantedBy: UUID?, createdAt: Date) {
        (self.id, self.recordsetID, self.memberID, self.teamID, self.grantee) = (id, recordsetID, memberID, teamID, grantee)
        (self.levels, self.grantedBy, self.createdAt, self.updatedAt) = (levels, grantedBy, createdAt, createdAt)
    }

    static let example = AccessGrant(
        id: UUID(uuidString: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")!, recordsetID: Recordset.example.id, memberID: TeamMember.example.memberID,
        teamID: nil, grantee: "Ada Lovelace", levels: .example, grantedBy: Record.example.createdBy, createdAt: Date(timeIntervalSince1970: 1_767_225_600))

    /// A grant to exactly one of a member or a team. Granting again replaces the levels.
    struct New: RequestBody, APIModel {
        let memberID: UUID?
        let teamID: UUID?
        /// The levels; omitted means `can_view` alone. Each implies the ones it covers (admin all,
        /// edit edit-own, delete delete-own, any of them view).
        let levels: AccessLevels?

        enum CodingKeys: String, CodingKey { case memberID = "member_id", teamID = "team_id", levels }

        func validated() throws -> New {
            var check = Validation()
            check.require((memberID == nil) != (teamID == nil), memberID == nil ? "member_id" : "team_id", "give either member_id or team_id, not both")
            try check.finish("The grant is invalid.")
            return self
        }

        static let example = New(memberID: TeamMember.example.memberID, teamID: nil, levels: .example)
    }
}

struct AccessGrantList: APIModel {
    let items: [AccessGrant]
    static let example = AccessGrantList(items: [.example])
}

/// `GET …/permissions`: what the caller may do here, and why.
struct RecordsetPermissions: APIModel {
    enum Source: String, SchemaEnum {
        /// Workspace owner or admin.
        case workspaceRole = "workspace_role"
        /// The recordset's owner.
        case owner
        /// Grants to the caller or their teams (or none).
        case grants
        /// An API key, by its scopes.
        case apiKey = "api_key"
    }

    let recordsetID: UUID
    let slug: String
    let source: Source
    let levels: AccessLevels

    enum CodingKeys: String, CodingKey { case recordsetID = "recordset_id", slug, source, levels }

    static let example = RecordsetPermissions(recordsetID: Recordset.example.id, slug: "leads", source: .grants, levels: .example)
}
