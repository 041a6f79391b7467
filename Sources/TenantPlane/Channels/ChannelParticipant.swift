import Foundation
import PlatformCore

/// Someone taking part in a channel, with their member details.
struct ChannelParticipant: APIModel, TableRow {
    enum Role: String, SchemaEnum { case member, admin }

    let memberID: UUID
    let email: String
    let fullName: String
    let role: Role
    let joined: Bool
    let joinedAt: Date?

    enum CodingKeys: String, CodingKey { case memberID = "member_id", email, fullName = "full_name", role, joined, joinedAt = "joined_at" }

    static let columns: Columns = ["member_id", "email", "full_name", "role", "joined", "joined_at"]

    init(row: RowReader) throws {
        memberID = try row("member_id")
        email = try row("email")
        fullName = try row("full_name")
        role = try row("role")
        joined = try row("joined")
        joinedAt = try row("joined_at")
    }

    init(memberID: UUID, email: String, fullName: String, role: Role, joined: Bool, joinedAt: Date?) {
        (self.memberID, self.email, self.fullName, self.role, self.joined, self.joinedAt) = (memberID, email, fullName, role, joined, joinedAt)
    }

    static let example = ChannelParticipant(
        memberID: TeamMember.example.memberID, email: "ada@example.com", fullName: "Ada Lovelace", role: .admin, joined: true,
        joinedAt: Date(timeIntervalSince1970: 1_790_000_000))

    /// `POST …/members`: a channel admin adds someone (again: changes their role).
    struct New: RequestBody, APIModel {
        let memberID: UUID
        let role: Role?
        enum CodingKeys: String, CodingKey { case memberID = "member_id", role }
        static let example = New(memberID: TeamMember.example.memberID, role: .member)
    }
}

struct ChannelParticipants: APIModel {
    let items: [ChannelParticipant]
    static let example = ChannelParticipants(items: [.example])
}

/// Access to a private channel for a member or a team (on a public one it changes nothing until
/// the channel turns private).
struct ChannelGrant: APIModel, TableRow {
    let id: UUID
    let channelID: UUID
    let memberID: UUID?
    let teamID: UUID?
    /// The member's name (or e-mail) or the team's name.
    let grantee: String
    let grantedBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, channelID = "channel_id", memberID = "member_id", teamID = "team_id", grantee, grantedBy = "granted_by", createdAt = "created_at"
    }

    static let columns: Columns = ["id", "channel_id", "member_id", "team_id", "grantee", "granted_by", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        channelID = try row("channel_id")
        memberID = try row("member_id")
        teamID = try row("team_id")
        grantee = try row("grantee")
        grantedBy = try row("granted_by")
        createdAt = try row("created_at")
    }

    init(id: UUID, channelID: UUID, memberID: UUID?, teamID: UUID?, grantee: String, grantedBy: UUID?, createdAt: Date) {
        (self.id, self.channelID, self.memberID, self.teamID, self.grantee, self.grantedBy, self.createdAt) =
            (id, channelID, memberID, teamID, grantee, grantedBy, createdAt)
    }

    static let example = ChannelGrant(
        id: UUID(uuidString: "5e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b")!, channelID: Channel.example.id, memberID: nil, teamID: Team.example.id,
        grantee: "Research", grantedBy: TeamMember.example.memberID, createdAt: Date(timeIntervalSince1970: 1_790_000_000))

    struct New: RequestBody, APIModel {
        let memberID: UUID?
        let teamID: UUID?

        enum CodingKeys: String, CodingKey { case memberID = "member_id", teamID = "team_id" }

        func validated() throws -> New {
            var check = Validation()
            check.require((memberID == nil) != (teamID == nil), memberID == nil ? "member_id" : "team_id", "give either member_id or team_id, not both")
            try check.finish("The grant is invalid.")
            return self
        }

        static let example = New(memberID: nil, teamID: Team.example.id)
    }
}

struct ChannelGrants: APIModel {
    let items: [ChannelGrant]
    static let example = ChannelGrants(items: [.example])
}

/// The caller's place in a channel: the read high-water mark, what is unread, star and mute.
struct ChannelReadStatus: APIModel, Row {
    /// Which notifications the caller gets: a mute overrides a star.
    enum Notifications: String, SchemaEnum { case all, `default`, none }

    let channelID: UUID
    let slug: String
    let name: String
    let lastReadMessageID: UUID?
    let lastReadAt: Date?
    let unreadCount: Int
    let isStarred: Bool
    let isMuted: Bool
    let notifications: Notifications

    enum CodingKeys: String, CodingKey {
        case channelID = "channel_id", slug, name, lastReadMessageID = "last_read_message_id", lastReadAt = "last_read_at"
        case unreadCount = "unread_count", isStarred = "is_starred", isMuted = "is_muted", notifications
    }

    init(row: RowReader) throws {
        channelID = try row("channel_id")
        slug = try row("slug")
        name = try row("name")
        lastReadMessageID = try row("last_read_message_id")
        lastReadAt = try row("last_read_at")
        unreadCount = try row("unread_count")
        isStarred = try row("starred", as: Bool?.self) ?? false
        isMuted = try row("muted", as: Bool?.self) ?? false
        notifications = Self.notifications(starred: isStarred, muted: isMuted)
    }

    static func notifications(starred: Bool, muted: Bool) -> Notifications { muted ? .none : starred ? .all : .default }

    init(channelID: UUID, slug: String, name: String, lastReadMessageID: UUID?, lastReadAt: Date?, unreadCount: Int, isStarred: Bool, isMuted: Bool) {
        (self.channelID, self.slug, self.name, self.lastReadMessageID, self.lastReadAt) = (channelID, slug, name, lastReadMessageID, lastReadAt)
        (self.unreadCount, self.isStarred, self.isMuted) = (unreadCount, isStarred, isMuted)
        notifications = Self.notifications(starred: isStarred, muted: isMuted)
    }

    static let example = ChannelReadStatus(
        channelID: Channel.example.id, slug: Channel.example.slug, name: Channel.example.name, lastReadMessageID: ChannelMessage.example.id,
        lastReadAt: Date(timeIntervalSince1970: 1_790_000_000), unreadCount: 3, isStarred: true, isMuted: false)
}

/// `GET /channels/unread-counts`: every channel the caller has joined, for badges.
struct UnreadCounts: APIModel {
    let items: [ChannelReadStatus]
    let totalUnread: Int

    enum CodingKeys: String, CodingKey { case items, totalUnread = "total_unread" }

    static let example = UnreadCounts(items: [.example], totalUnread: 3)
}
