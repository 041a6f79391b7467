import Foundation
import PlatformCore

/// `/channels` (§2.15): channels, their participants and grants, and each person's own state in
/// them (read position, star, mute). Messages, work and files have controllers of their own.
struct ChannelController {
    let files: ChannelFiles

    static let view = Permission.named("can_view_channel", scope: "channels:read")
    static let create = Permission.named("can_create_channel", scope: "channels:write")
    static let edit = Permission.named("can_edit_channel", scope: "channels:write")
    static let remove = Permission.named("can_delete_channel", scope: "channels:write")
    static let post = Permission.named("can_post_message", scope: "channels:write")

    static let notFound = ErrorCase(ChannelRepository.notFound)
    static let adminRequired = ErrorCase(ChannelRepository.adminRequired)
    static let userRequired = ErrorCase(ChannelRepository.userRequired)

    static let list = Endpoint(
        .get, "/api/v1/channels", "Channels the caller can see (public ones, and private ones they take part in or are granted)",
        query: Channel.Filter.self, returns: ListResponse<Channel>.self)
    static let unreadCounts = Endpoint(
        .get, "/api/v1/channels/unread-counts", "Unread counts of every channel the caller has joined (muted ones left out of the total)",
        returns: UnreadCounts.self, errors: [userRequired])
    static let show = Endpoint(.get, "/api/v1/channels/{channel_slug}", "A channel (by slug or id)", returns: Channel.self, errors: [notFound])
    static let createChannel = Endpoint(
        .post, "/api/v1/channels", "Create a channel; the creator joins as its admin", body: Channel.New.self, returns: Channel.self,
        status: .created, errors: [ErrorCase(ChannelRepository.slugTaken)])
    static let replace = Endpoint(
        .put, "/api/v1/channels/{channel_slug}", "Change a channel (channel or workspace admins)", body: Channel.Change.self, returns: Channel.self,
        errors: [notFound, adminRequired])
    static let update = Endpoint(
        .patch, "/api/v1/channels/{channel_slug}", "Change a channel (channel or workspace admins)", body: Channel.Change.self, returns: Channel.self,
        errors: [notFound, adminRequired])
    static let complete = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/complete", "Complete (archive) a channel: it stays readable and takes no more posts",
        body: Channel.Completion.self, returns: Channel.self, errors: [notFound, adminRequired, ErrorCase(ChannelRepository.completed)])
    static let delete = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}", "Delete a channel with its messages, tasks and files", returns: NoContent.self,
        status: .noContent, errors: [notFound, adminRequired])
    static let permissions = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/permissions", "What the caller may do in a channel, and why", returns: ChannelPermissions.self,
        errors: [notFound])

    static let members = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/members", "A channel's participants", returns: ChannelParticipants.self, errors: [notFound])
    static let addMember = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/members", "Add a participant, or change their role (channel or workspace admins)",
        body: ChannelParticipant.New.self, returns: ChannelParticipant.self, errors: [notFound, adminRequired])
    static let join = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/members/join", "Join a channel: any public one, a private one when granted access",
        returns: ChannelParticipant.self, errors: [notFound, userRequired, ErrorCase(ChannelRepository.inviteRequired)])
    static let leave = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/members/leave", "Leave a channel (the read position is kept)", returns: ChannelParticipant.self,
        errors: [notFound, userRequired])

    static let grants = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/access", "A channel's grants (channel or workspace admins)", returns: ChannelGrants.self,
        errors: [notFound, adminRequired])
    static let grant = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/access", "Grant a member or a team access to a private channel", body: ChannelGrant.New.self,
        returns: ChannelGrant.self, status: .created, errors: [notFound, adminRequired])
    static let revokeMember = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/access/members/{member_id}", "Remove a member's grant and participation", returns: NoContent.self,
        status: .noContent, errors: [notFound, adminRequired, ErrorCase(ChannelRepository.grantNotFound)])
    static let revokeTeam = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/access/teams/{team_id}", "Remove a team's grant", returns: NoContent.self,
        status: .noContent, errors: [notFound, adminRequired, ErrorCase(ChannelRepository.grantNotFound)])

    static let readStatus = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/read-status", "The caller's read position, unread count, star and mute",
        returns: ChannelReadStatus.self, errors: [notFound, userRequired])
    static let markRead = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/mark-read", "Move the caller's read mark to a message (default the newest); it never moves back",
        query: MarkRead.self, returns: ChannelReadStatus.self, errors: [notFound, userRequired, ErrorCase(ChannelRepository.messageNotFound)])
    static let star = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/star", "Toggle the caller's star (notifications for all activity)", returns: ChannelReadStatus.self,
        errors: [notFound, userRequired])
    static let mute = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/mute", "Toggle the caller's mute (no notifications; overrides a star)", returns: ChannelReadStatus.self,
        errors: [notFound, userRequired])

    struct MarkRead: QueryParameters {
        let messageID: UUID?
        enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    }

    func addRoutes(to routes: RouteTable) {
        let view = Self.view, edit = Self.edit
        routes.tenant(Self.list, view) { input, context in try await ChannelRepository(context).list(input.query) }
        routes.tenant(Self.unreadCounts, view) { _, context in try await ChannelRepository(context).unreadCounts() }
        routes.tenant(Self.show, view) { input, context in try await ChannelRepository(context).require(input.channel).channel }
        routes.tenant(Self.createChannel, Self.create) { input, context in try await ChannelRepository(context).create(input.body) }
        routes.tenant(Self.replace, edit) { input, context in try await ChannelRepository(context).update(input.channel, input.body) }
        routes.tenant(Self.update, edit) { input, context in try await ChannelRepository(context).update(input.channel, input.body) }
        routes.tenant(Self.complete, edit) { input, context in
            try await ChannelRepository(context).complete(input.channel, note: input.body.note ?? "")
        }
        routes.tenant(Self.delete, Self.remove) { input, context in
            let keys = try await ChannelRepository(context).delete(input.channel)
            await files.remove(keys)
            return NoContent()
        }
        routes.tenant(Self.permissions, view) { input, context in try await ChannelRepository(context).permissions(input.channel) }

        routes.tenant(Self.members, view) { input, context in
            ChannelParticipants(items: try await ChannelRepository(context).participants(input.channel))
        }
        routes.tenant(Self.addMember, edit) { input, context in try await ChannelRepository(context).add(input.channel, input.body) }
        routes.tenant(Self.join, view) { input, context in try await ChannelRepository(context).join(input.channel) }
        routes.tenant(Self.leave, view) { input, context in try await ChannelRepository(context).leave(input.channel) }

        routes.tenant(Self.grants, edit) { input, context in ChannelGrants(items: try await ChannelRepository(context).grants(input.channel)) }
        routes.tenant(Self.grant, edit) { input, context in try await ChannelRepository(context).grant(input.channel, input.body) }
        routes.tenant(Self.revokeMember, edit) { input, context in
            try await ChannelRepository(context).revokeMember(input.channel, input.id("member_id"))
            return NoContent()
        }
        routes.tenant(Self.revokeTeam, edit) { input, context in
            try await ChannelRepository(context).revokeTeam(input.channel, input.id("team_id"))
            return NoContent()
        }

        routes.tenant(Self.readStatus, view) { input, context in try await ChannelRepository(context).readStatus(input.channel) }
        routes.tenant(Self.markRead, view) { input, context in
            try await ChannelRepository(context).markRead(input.channel, message: input.query.messageID)
        }
        routes.tenant(Self.star, view) { input, context in try await ChannelRepository(context).toggle(input.channel, .star) }
        routes.tenant(Self.mute, view) { input, context in try await ChannelRepository(context).toggle(input.channel, .mute) }
    }
}
