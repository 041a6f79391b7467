import Foundation
import PlatformCore

/// The one rule for who reaches which channel (§4's channel ACL). Workspace owners and admins see
/// and manage every channel. Everyone sees public channels; private ones only their participants
/// and those granted access, directly or through an active team. A channel's admins (participants
/// with the role `admin`: its creator, and whoever its admins make one) manage it. An API key sees
/// every channel; with the `admin` scope it manages them too. Lists filter by `visible` in SQL.
struct ChannelAccess: Sendable {
    /// The caller's member id; for a key, its creator's (it writes as them) but it holds no
    /// participation or grant of its own.
    let member: UUID?
    let isKey: Bool
    /// Workspace owners and admins, and keys: every channel is visible.
    let seesAll: Bool
    /// Workspace owners and admins, and `admin` keys: every channel is theirs to manage.
    let managesAll: Bool

    init(_ context: TenantContext) {
        member = context.memberID
        switch context.principal {
        case .apiKey(let key):
            isKey = true
            seesAll = true
            managesAll = key.scopes.contains("admin")
        case .user:
            isKey = false
            seesAll = (context.membership.role ?? .viewer) >= .admin
            managesAll = seesAll
        }
    }

    /// `c` (the channels table's alias in a query on `db`) is a channel the caller may see.
    func visible(in db: some TenantQueryable) -> SQLFragment {
        if seesAll { return "true" }
        guard let member else { return "false" }
        return """
            (c.type = 'public'
             OR EXISTS (SELECT 1 FROM \(db.table("channel_members")) v WHERE v.channel_id = c.id AND v.member_id = \(member) AND v.joined)
             OR c.id IN (SELECT g.channel_id FROM \(db.function("member_channel_grants"))(\(member)) g))
            """
    }

    /// Whether the caller may join a channel it can see: any public one; a private one when granted.
    func mayJoin(_ channel: AccessibleChannel) -> Bool {
        !isKey && (channel.channel.type == .public || channel.granted || managesAll)
    }
}

/// A channel with the caller's standing in it, read in one query.
struct AccessibleChannel: Row {
    let channel: Channel
    let joined: Bool
    let role: ChannelParticipant.Role?
    let granted: Bool

    init(row: RowReader) throws {
        channel = try Channel(row: row)
        joined = try row("_joined", as: Bool?.self) ?? false
        role = try row("_role", as: String?.self).flatMap(ChannelParticipant.Role.init(rawValue:))
        granted = try row("_granted", as: Bool?.self) ?? false
    }

    var isChannelAdmin: Bool { joined && role == .admin }
}

/// `GET /channels/{channel_slug}/permissions`: what the caller may do here, and why.
struct ChannelPermissions: APIModel {
    enum Source: String, SchemaEnum {
        /// Workspace owner or admin.
        case workspaceRole = "workspace_role"
        /// A participant with the channel's admin role.
        case channelAdmin = "channel_admin"
        /// A participant.
        case participant
        /// Granted access (directly or through a team) without having joined.
        case grant
        /// A public channel the caller has not joined.
        case `public`
        /// An API key, by its scopes.
        case apiKey = "api_key"
    }

    let channelID: UUID
    let slug: String
    let source: Source
    let isMember: Bool
    let role: ChannelParticipant.Role?
    let canView: Bool
    let canJoin: Bool
    let canPost: Bool
    let canManage: Bool

    enum CodingKeys: String, CodingKey {
        case channelID = "channel_id", slug, source, isMember = "is_member", role
        case canView = "can_view", canJoin = "can_join", canPost = "can_post", canManage = "can_manage"
    }

    static let example = ChannelPermissions(
        channelID: Channel.example.id, slug: Channel.example.slug, source: .participant, isMember: true, role: .member,
        canView: true, canJoin: false, canPost: true, canManage: false)
}
