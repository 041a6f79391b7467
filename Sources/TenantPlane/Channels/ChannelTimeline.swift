import Foundation
import Logging
import PlatformCore

/// A channel's messages: cursor-paged, posted, edited, deleted, squashed into summaries and
/// restored. Each change is one statement that locks the channel's row, so positions and event
/// numbers are taken (and committed) in order.
struct ChannelTimeline {
    let channels: ChannelRepository
    var db: TenantDatabase { channels.db }
    var logger: Logger { channels.logger }
    var messages: QualifiedTable { db.table("channel_messages") }

    init(_ context: TenantContext) { channels = ChannelRepository(context) }

    static let notAuthor = AppError.forbidden("not_message_author", "Only a message's author can edit it.")
    static let notDeletable = AppError.forbidden("not_message_author", "Only a message's author, the channel's admins and the workspace's admins can delete it.")
    static let nothingToSquash = AppError.conflict("nothing_to_squash", "No messages lie in that direction.")
    static let notSummary = AppError.notFound("summary_not_found", "No standing summary with this id in this channel.")

    /// A window of the timeline (oldest first): the newest, or `before`, `after` or `around` a
    /// message of this channel (a deleted one keeps its place).
    func page(_ key: ChannelKey, _ cursor: CursorQuery) async throws -> CursorPage<ChannelMessage> {
        let channel = try await channels.require(key).channel
        let page = try await db.window(
            ChannelMessage.self,
            "SELECT \(ChannelMessage.select(db)) FROM \(messages) m WHERE m.channel_id = \(channel.id) AND m.deleted_at IS NULL",
            alias: "m", anchor: { [messages] in "SELECT created_at, id FROM \(messages) WHERE id = \($0) AND channel_id = \(channel.id)" },
            cursor: cursor, logger: logger)
        if page.items.isEmpty, let anchor = cursor.anchor.messageID, try await !exists(anchor, in: channel.id) {
            throw ChannelRepository.messageNotFound
        }
        return page
    }

    private func exists(_ message: UUID, in channel: UUID) async throws -> Bool {
        try await db.value(Bool.self, "SELECT EXISTS (SELECT 1 FROM \(messages) WHERE id = \(message) AND channel_id = \(channel))", logger: logger) ?? false
    }

    func post(_ key: ChannelKey, _ new: ChannelMessage.New) async throws -> ChannelMessage {
        let channel = try await channels.requirePoster(key).channel
        let author = channels.access.member
        let writer = channels.change(channel.id)
        let posted = try await db.first(ChannelMessage.self, try """
            WITH \(writer.bump(when: "status = 'active'", counter: "1", position: true)),
                 m AS (INSERT INTO \(messages) (channel_id, author_id, body, metadata, created_at)
                       SELECT \(channel.id), \(author), \(new.body), \(new.metadata ?? JSONObject()), bump.last_message_at FROM bump RETURNING *),
                 \(writer.event(.messageCreated, message: "m.id", member: author, from: "m"))
            SELECT \(ChannelMessage.select(db)), \(writer.notify) FROM m
            """, logger: logger)
        guard let posted else { throw ChannelRepository.completed }
        return posted
    }

    func edit(_ key: ChannelKey, _ id: UUID, _ change: ChannelMessage.Change) async throws -> ChannelMessage {
        let channel = try await channels.requirePoster(key).channel
        let author = channels.access.member
        let writer = channels.change(channel.id)
        let edited = try await db.first(ChannelMessage.self, try """
            WITH m AS (UPDATE \(messages) SET body = \(change.body), metadata = coalesce(\(change.metadata), metadata), edited_at = now()
                       WHERE id = \(id) AND channel_id = \(channel.id) AND deleted_at IS NULL AND kind = 'message' AND author_id = \(author)
                       RETURNING *),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM m)")),
                 \(writer.event(.messageUpdated, message: "m.id", member: author, from: "m"))
            SELECT \(ChannelMessage.select(db)), \(writer.notify) FROM m
            """, logger: logger)
        if let edited { return edited }
        throw try await live(id, in: channel.id) ? Self.notAuthor : ChannelRepository.messageNotFound
    }

    private func live(_ message: UUID, in channel: UUID) async throws -> Bool {
        try await db.value(Bool.self, """
            SELECT EXISTS (SELECT 1 FROM \(messages) WHERE id = \(message) AND channel_id = \(channel) AND deleted_at IS NULL)
            """, logger: logger) ?? false
    }

    /// Deletes a message (softly): its author, or a channel or workspace admin.
    func delete(_ key: ChannelKey, _ id: UUID) async throws {
        let found = try await channels.require(key)
        let channel = found.channel
        let member = channels.access.member
        let manager = channels.canManage(found)
        let writer = channels.change(channel.id)
        let deleted = try await db.value(Bool.self, try """
            WITH m AS (UPDATE \(messages) SET deleted_at = now(), deleted_by = \(member)
                       WHERE id = \(id) AND channel_id = \(channel.id) AND deleted_at IS NULL AND (\(manager) OR author_id = \(member))
                       RETURNING id),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM m)", counter: "-1")),
                 \(writer.event(.messageDeleted, message: "m.id", member: member, from: "m"))
            SELECT EXISTS (SELECT 1 FROM m), \(writer.notify)
            """, logger: logger)
        if deleted == true { return }
        throw try await live(id, in: channel.id) ? Self.notDeletable : ChannelRepository.messageNotFound
    }

    /// Replaces every live message on one side of `reference` by a summary that takes the place
    /// next to it; the messages are deleted and linked to the summary for a restore.
    func squash(_ key: ChannelKey, _ reference: UUID, _ request: ChannelMessage.Squash) async throws -> SquashResult {
        let channel = try await channels.requireManager(key).channel
        guard try await live(reference, in: channel.id) else { throw ChannelRepository.messageNotFound }
        let request = try request.checked()
        guard channel.status == .active else { throw ChannelRepository.completed }
        let member = channels.access.member
        let writer = channels.change(channel.id)
        let (side, slot): (SQLFragment, SQLFragment) = request.direction == .above ? ("<", "max(created_at)") : (">", "min(created_at)")
        let summary = try await db.first(ChannelMessage.self, try """
            WITH ref AS (SELECT created_at, id FROM \(messages) WHERE id = \(reference) AND channel_id = \(channel.id) AND deleted_at IS NULL),
                 target AS (SELECT x.id, x.created_at FROM \(messages) x, ref
                            WHERE x.channel_id = \(channel.id) AND x.deleted_at IS NULL AND (x.created_at, x.id) \(side) (ref.created_at, ref.id)),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM target)", counter: "1 - (SELECT count(*) FROM target)")),
                 m AS (INSERT INTO \(messages) (channel_id, author_id, kind, body, squashed_count, created_at)
                       SELECT \(channel.id), \(member), 'summary', \(request.summary), (SELECT count(*) FROM target), (SELECT \(slot) FROM target)
                       FROM bump RETURNING *),
                 squashed AS (UPDATE \(messages) x SET deleted_at = now(), deleted_by = \(member), squash_summary_id = m.id
                              FROM m WHERE x.id IN (SELECT id FROM target)),
                 \(writer.event(.messagesSquashed, message: "m.id", member: member, from: "m")),
                 \(writer.activity("messages.squashed", actor: member, details: JSONObject(["direction": .string(request.direction.rawValue)]),
                                   when: "EXISTS (SELECT 1 FROM target)"))
            SELECT \(ChannelMessage.select(db)), \(writer.notify) FROM m
            """, logger: logger)
        if let summary { return SquashResult(summary: summary, squashed: summary.squashedCount) }
        throw try await live(reference, in: channel.id) ? Self.nothingToSquash : ChannelRepository.messageNotFound
    }


    /// Brings back the messages a summary replaced and removes the summary.
    func restore(_ key: ChannelKey, _ summary: UUID) async throws -> RestoreResult {
        let channel = try await channels.requireManager(key).channel
        let member = channels.access.member
        let writer = channels.change(channel.id)
        let row = try await db.first(Restored.self, try """
            WITH s AS (SELECT id FROM \(messages) WHERE id = \(summary) AND channel_id = \(channel.id) AND kind = 'summary' AND deleted_at IS NULL),
                 r AS (UPDATE \(messages) x SET deleted_at = NULL, deleted_by = NULL, squash_summary_id = NULL
                       WHERE x.squash_summary_id IN (SELECT id FROM s) RETURNING x.id, x.created_at),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM s)", counter: "(SELECT count(*) FROM r) - 1")),
                 gone AS (DELETE FROM \(messages) WHERE id IN (SELECT id FROM s)),
                 \(writer.event(.messagesRestored, message: "s.id", member: member, from: "s")),
                 \(writer.activity("messages.restored", actor: member, when: "EXISTS (SELECT 1 FROM s)"))
            SELECT coalesce((SELECT array_agg(id ORDER BY created_at, id) FROM r), '{}') AS ids, \(writer.notify) FROM s
            """, logger: logger)
        guard let restored = row?.ids else { throw Self.notSummary }
        return RestoreResult(restored: restored.count, messageIDs: restored)
    }

    /// The messages a standing summary replaced, oldest first.
    func squashed(_ key: ChannelKey, _ summary: UUID) async throws -> [ChannelMessage] {
        let channel = try await channels.require(key).channel
        let items = try await db.all(ChannelMessage.self, """
            SELECT \(ChannelMessage.select(db)) FROM \(messages) m
            WHERE m.squash_summary_id = \(summary) AND m.channel_id = \(channel.id)
            ORDER BY m.created_at, m.id
            """, logger: logger)
        if items.isEmpty, try await !exists(summary, in: channel.id) { throw Self.notSummary }
        return items
    }

    static let nothingToSummarize = AppError.conflict("nothing_to_summarize", "No messages lie in that direction.")

    /// The model's summary of up to `limit` live messages on one side of `reference` (the nearest
    /// ones), in the order they were written. Nothing is stored but the metered call.
    func summarize(_ key: ChannelKey, _ reference: UUID, _ request: ChannelMessage.Summarize, with ai: MeteredLanguageModel) async throws -> MessageSummary {
        let channel = try await channels.require(key).channel
        guard try await live(reference, in: channel.id) else { throw ChannelRepository.messageNotFound }
        let (direction, limit) = try request.checked()
        guard ai.isConfigured else { throw MeteredLanguageModel.notConfigured }
        let cursor = CursorQuery(direction == .above ? .before(reference) : .after(reference), limit: limit)
        let messages = try await page(.id(channel.id), cursor).items
        guard let first = messages.first, let last = messages.last else { throw Self.nothingToSummarize }
        let transcript = messages.map { "[\(ISO8601.string($0.createdAt))] \($0.authorName ?? "someone"): \($0.body)" }.joined(separator: "\n")
        let reply = try await ai.complete(
            purpose: "channel_summary",
            system: """
                You summarise a stretch of a team's chat channel for someone who missed it. In at most eight sentences of plain \
                prose, say what was discussed, what was decided, which questions are open and who is to do what. Do not invent anything.
                """,
            user: "Channel: \(channel.name)\n\n\(transcript)")
        let summary = reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty else { throw MeteredLanguageModel.malformedOutput }
        return MessageSummary(summary: summary, messageCount: messages.count, fromMessageID: first.id, toMessageID: last.id)
    }
}

private struct Restored: Row {
    let ids: [UUID]
    init(row: RowReader) throws { ids = try row("ids") }
}

extension CursorQuery.Anchor {
    var messageID: UUID? {
        switch self {
        case .newest: nil
        case .before(let id), .after(let id), .around(let id): id
        }
    }
}
