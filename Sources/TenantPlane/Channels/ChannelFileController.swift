import Foundation
import PlatformCore

/// `/channels/{channel_slug}/files`: upload (multipart, at most 25 MB, typed by its bytes), list,
/// fresh signed URLs (a redirect for `img src` and links, or JSON), delete.
struct ChannelFileController {
    let files: ChannelFiles

    static let notFound = ChannelController.notFound
    static let fileNotFound = AppError.notFound("file_not_found", "No file with this id in this channel.")
    static let deleteDenied = AppError.forbidden("file_delete_denied", "Only the file's uploader and the channel's admins can delete it.")

    static let list = Endpoint(.get, "/api/v1/channels/{channel_slug}/files", "A channel's files, newest first", returns: ChannelFileList.self, errors: [notFound])
    static let upload = Endpoint(
        .post, "/api/v1/channels/{channel_slug}/files", "Upload a file (multipart field `file`; query `description`)",
        body: FileUpload.self, query: UploadQuery.self, returns: ChannelFile.self, status: .created,
        errors: [notFound, ErrorCase(ChannelRepository.notParticipant), ErrorCase(ChannelRepository.completed)])
    static let open = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/files/{file_id}", "Redirect to the file through a fresh signed URL (for img src, iframes, links)",
        query: DownloadQuery.self, returns: Redirect.self, status: .found, errors: [notFound, ErrorCase(fileNotFound)])
    static let url = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/files/{file_id}/url", "A fresh signed URL for the file, valid for an hour",
        query: DownloadQuery.self, returns: SignedFileURL.self, errors: [notFound, ErrorCase(fileNotFound)])
    static let delete = Endpoint(
        .delete, "/api/v1/channels/{channel_slug}/files/{file_id}", "Delete a file (its uploader, or a channel or workspace admin)",
        returns: NoContent.self, status: .noContent, errors: [notFound, ErrorCase(fileNotFound), ErrorCase(deleteDenied)])

    struct UploadQuery: QueryParameters {
        let description: String?
    }

    struct DownloadQuery: QueryParameters {
        let download: Bool?
    }

    func addRoutes(to routes: RouteTable) {
        let view = ChannelController.view, post = ChannelController.post
        routes.tenant(Self.list, view) { input, context in
            let channels = ChannelRepository(context)
            let channel = try await channels.require(input.channel).channel
            return ChannelFileList(items: try await channels.db.all(ChannelFile.self, """
                SELECT \(ChannelFile.columns) FROM \(channels.db.table("channel_files")) WHERE channel_id = \(channel.id) ORDER BY created_at DESC, id DESC
                """, logger: context.logger))
        }
        routes.tenant(Self.upload, post) { input, context in
            let channels = ChannelRepository(context)
            let channel = try await channels.requirePoster(input.channel).channel
            var check = Validation()
            let description = check.text(input.query.description ?? "", "description", length: 0...2000)
            try check.finish("The upload is invalid.")
            let id = UUID()
            let key = ChannelFiles.key(workspace: context.workspaceID, file: id)
            let upload = input.body
            try await files.storage.put(upload.data, key: key)
            do {
                let actor = context.memberID
                return try await channels.db.first(ChannelFile.self, try """
                    WITH f AS (INSERT INTO \(channels.db.table("channel_files")) (id, channel_id, name, content_type, size_bytes, storage_key, description, uploaded_by)
                               VALUES (\(id), \(channel.id), \(upload.name), \(upload.kind.contentType), \(Int64(upload.data.count)), \(key), \(description), \(actor))
                               RETURNING *),
                         \(channels.change(channel.id).activity("file.uploaded", actor: actor, target: ("file", id), details: JSONObject(["name": .string(upload.name)])))
                    SELECT \(ChannelFile.columns) FROM f
                    """, logger: context.logger)!
            } catch {
                await files.remove([key])
                throw error
            }
        }
        routes.tenant(Self.open, view) { input, context in
            let file = try await find(input.channel, input.id("file_id"), context)
            return Redirect(to: files.url(workspace: context.workspaceID, file: file, download: input.query.download ?? false).url)
        }
        routes.tenant(Self.url, view) { input, context in
            let file = try await find(input.channel, input.id("file_id"), context)
            return files.url(workspace: context.workspaceID, file: file, download: input.query.download ?? false)
        }
        routes.tenant(Self.delete, post) { input, context in
            let channels = ChannelRepository(context)
            let found = try await channels.require(input.channel)
            let id = input.id("file_id")
            let (manager, actor) = (channels.canManage(found), context.memberID)
            let outcome = try await channels.db.value(String?.self, try """
                WITH f AS (SELECT id, uploaded_by, storage_key FROM \(channels.db.table("channel_files")) WHERE id = \(id) AND channel_id = \(found.channel.id)),
                     gone AS (DELETE FROM \(channels.db.table("channel_files")) WHERE id IN (SELECT id FROM f WHERE \(manager) OR uploaded_by = \(actor)) RETURNING storage_key),
                     \(channels.change(found.channel.id).activity("file.deleted", actor: actor, target: ("file", id), when: "EXISTS (SELECT 1 FROM gone)"))
                SELECT coalesce((SELECT storage_key FROM gone), CASE WHEN EXISTS (SELECT 1 FROM f) THEN '' END)
                """, logger: context.logger)
            guard let outcome = outcome ?? nil else { throw Self.fileNotFound }
            guard !outcome.isEmpty else { throw Self.deleteDenied }
            await files.remove([outcome])
            return NoContent()
        }
    }

    private func find(_ key: ChannelKey, _ id: UUID, _ context: TenantContext) async throws -> ChannelFile {
        let channels = ChannelRepository(context)
        let channel = try await channels.require(key).channel
        return try await channels.db.first(ChannelFile.self, """
            SELECT \(ChannelFile.columns) FROM \(channels.db.table("channel_files")) WHERE id = \(id) AND channel_id = \(channel.id)
            """, logger: context.logger).orNotFound(Self.fileNotFound)
    }
}
