import Foundation
import PlatformCore

/// `/channels/{channel_slug}/messages`: the timeline, cursor-paged by `(created_at, id)`, and the
/// squashes that fold a stretch of it into a summary.
struct ChannelMessageController {
    let languageModel: (any LanguageModel)?

    static let summarizer = Permission.named("can_use_ai", scope: "channels:write")
    static let notFound = ChannelController.notFound
    static let messageNotFound = ErrorCase(ChannelRepository.messageNotFound)

    static let list = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/messages",
        "Messages, oldest first: the newest `limit`, or those `before` (older), `after` (newer) or `around` a message",
        query: CursorQuery.self, returns: CursorPage<ChannelMessage>.self, errors: [notFound, messageNotFound])
    static let post = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/messages", "Post a message (participants; keys and workspace admins need not join)",
        body: ChannelMessage.New.self, returns: ChannelMessage.self, status: .created,
        errors: [notFound, ErrorCase(ChannelRepository.notParticipant), ErrorCase(ChannelRepository.completed)])
    static let replace = Endpoint(
        .put, "/api/v1/channels/{channel_slug}/messages/{message_id}", "Edit one's own message", body: ChannelMessage.Change.self,
        returns: ChannelMessage.self, errors: [notFound, messageNotFound, ErrorCase(ChannelTimeline.notAuthor), ErrorCase(ChannelRepository.completed)])
    static let update = Endpoint(
        .patch, "/api/v1/channels/{channel_slug}/messages/{message_id}", "Edit one's own message", body: ChannelMessage.Change.self,
        returns: ChannelMessage.self, errors: [notFound, messageNotFound, ErrorCase(ChannelTimeline.notAuthor), ErrorCase(ChannelRepository.completed)])
    static let delete = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/messages/{message_id}", "Delete a message (its author, or a channel or workspace admin)",
        returns: NoContent.self, status: .noContent, errors: [notFound, messageNotFound, ErrorCase(ChannelTimeline.notDeletable)])
    static let squash = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/messages/{message_id}/squash",
        "Replace the messages above (older) or below (newer) one by a summary (channel or workspace admins)",
        query: ChannelMessage.Squash.self, returns: SquashResult.self,
        errors: [notFound, messageNotFound, ChannelController.adminRequired, ErrorCase(ChannelTimeline.nothingToSquash), ErrorCase(ChannelRepository.completed), .validation])
    static let restore = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/messages/{message_id}/restore", "Bring back the messages a summary replaced and remove it",
        returns: RestoreResult.self, errors: [notFound, ChannelController.adminRequired, ErrorCase(ChannelTimeline.notSummary)])
    static let squashed = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/messages/{message_id}/squashed", "The messages a summary replaced, oldest first",
        returns: ChannelMessageList.self, errors: [notFound, ErrorCase(ChannelTimeline.notSummary)])

    static let summarize = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/messages/{message_id}/summarize",
        "An AI summary of the messages above (older) or below (newer) one (`limit`, default 100, at most 200); metered",
        query: ChannelMessage.Summarize.self, returns: MessageSummary.self,
        errors: [notFound, messageNotFound, ErrorCase(ChannelTimeline.nothingToSummarize), .validation] + MeteredLanguageModel.errors)

    func addRoutes(to routes: RouteTable) {
        let model = languageModel
        routes.tenant(Self.summarize, Self.summarizer) { input, context in
            try await ChannelTimeline(context).summarize(input.channel, input.id("message_id"), input.query, with: MeteredLanguageModel(model, context))
        }
        let view = ChannelController.view, post = ChannelController.post
        routes.tenant(Self.list, view) { input, context in try await ChannelTimeline(context).page(input.channel, input.query) }
        routes.tenant(Self.post, post) { input, context in try await ChannelTimeline(context).post(input.channel, input.body) }
        routes.tenant(Self.replace, post) { input, context in
            try await ChannelTimeline(context).edit(input.channel, input.id("message_id"), input.body)
        }
        routes.tenant(Self.update, post) { input, context in
            try await ChannelTimeline(context).edit(input.channel, input.id("message_id"), input.body)
        }
        routes.tenant(Self.delete, post) { input, context in
            try await ChannelTimeline(context).delete(input.channel, input.id("message_id"))
            return NoContent()
        }
        routes.tenant(Self.squash, ChannelController.edit) { input, context in
            try await ChannelTimeline(context).squash(input.channel, input.id("message_id"), input.query)
        }
        routes.tenant(Self.restore, ChannelController.edit) { input, context in
            try await ChannelTimeline(context).restore(input.channel, input.id("message_id"))
        }
        routes.tenant(Self.squashed, view) { input, context in
            ChannelMessageList(items: try await ChannelTimeline(context).squashed(input.channel, input.id("message_id")))
        }
    }
}
