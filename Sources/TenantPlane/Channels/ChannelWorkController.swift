import Foundation
import PlatformCore

/// `/channels/{channel_slug}/tasks`, `…/records` and `…/activities`.
struct ChannelWorkController {
    static let notFound = ChannelController.notFound
    static let taskNotFound = ErrorCase(ChannelWork.taskNotFound)
    static let cannotPost = [ErrorCase(ChannelRepository.notParticipant), ErrorCase(ChannelRepository.completed)]

    static let tasks = Endpoint(.get, "/api/v1/channels/{channel_slug}/tasks", "A channel's tasks, oldest first", returns: ChannelTaskList.self, errors: [notFound])
    static let createTask = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/tasks", "Create a task in a channel", body: ChannelTask.New.self, returns: ChannelTask.self,
        status: .created, errors: [notFound] + cannotPost)
    static let replaceTask = Endpoint(
        .put, "/api/v1/channels/{channel_slug}/tasks/{task_id}", "Change a task (completing it stamps completed_at)", body: ChannelTask.Change.self,
        returns: ChannelTask.self, errors: [notFound, taskNotFound] + cannotPost)
    static let updateTask = Endpoint(
        .patch, "/api/v1/channels/{channel_slug}/tasks/{task_id}", "Change a task (completing it stamps completed_at)", body: ChannelTask.Change.self,
        returns: ChannelTask.self, errors: [notFound, taskNotFound] + cannotPost)
    static let deleteTask = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/tasks/{task_id}", "Delete a task (its creator, or a channel or workspace admin)",
        returns: NoContent.self, status: .noContent, errors: [notFound, taskNotFound, ErrorCase(ChannelWork.taskDenied)])

    static let records = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/records", "Records linked to a channel that the caller may see (limit, offset)",
        query: Page.self, returns: ListResponse<LinkedRecord>.self, errors: [notFound])
    static let link = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/records", "Link records the caller may see (all or none)", body: ChannelRecordLinks.self,
        returns: ListResponse<LinkedRecord>.self, errors: [notFound, ErrorCase(RecordRepository.notFound)] + cannotPost)
    static let unlink = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/records/{record_id}", "Unlink a record", returns: NoContent.self, status: .noContent,
        errors: [notFound, ErrorCase(ChannelWork.linkNotFound)] + cannotPost)

    static let activities = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/activities", "A channel's activity, newest first (limit, offset)", query: Page.self,
        returns: ListResponse<ChannelActivity>.self, errors: [notFound])

    func addRoutes(to routes: RouteTable) {
        let view = ChannelController.view, post = ChannelController.post
        routes.tenant(Self.tasks, view) { input, context in ChannelTaskList(items: try await ChannelWork(context).tasks(input.channel)) }
        routes.tenant(Self.createTask, post) { input, context in try await ChannelWork(context).createTask(input.channel, input.body) }
        routes.tenant(Self.replaceTask, post) { input, context in
            try await ChannelWork(context).updateTask(input.channel, input.id("task_id"), input.body)
        }
        routes.tenant(Self.updateTask, post) { input, context in
            try await ChannelWork(context).updateTask(input.channel, input.id("task_id"), input.body)
        }
        routes.tenant(Self.deleteTask, post) { input, context in
            try await ChannelWork(context).deleteTask(input.channel, input.id("task_id"))
            return NoContent()
        }
        routes.tenant(Self.records, view) { input, context in try await ChannelWork(context).linkedRecords(input.channel, page: input.query) }
        routes.tenant(Self.link, post) { input, context in try await ChannelWork(context).link(input.channel, input.body.recordIDs) }
        routes.tenant(Self.unlink, post) { input, context in
            try await ChannelWork(context).unlink(input.channel, input.id("record_id"))
            return NoContent()
        }
        routes.tenant(Self.activities, view) { input, context in try await ChannelWork(context).activities(input.channel, page: input.query) }
    }
}
