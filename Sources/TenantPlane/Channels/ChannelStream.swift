import Foundation
import Hummingbird
import Logging
import NIOCore
import PlatformCore
import ServiceLifecycle

/// `GET /channels/{channel_slug}/events`: new, edited and deleted messages, squashes, restores,
/// read marks and membership changes as Server-Sent Events, numbered per channel. A reader
/// resumes after `Last-Event-ID` (events are kept a week; from further back it gets `reset` and
/// should reload). Any instance serves any channel: events come from the database, NOTIFY wakes
/// the stream. The reader's access is checked again whenever membership or the channel changes
/// and at each heartbeat; losing it ends the stream.
struct ChannelStream: Sendable {
    let hub: NotificationHub
    let feed: ChannelFeed
    let heartbeat: Duration

    static let endpoint = Endpoint(
        .get, "/api/v1/channels/{channel_slug}/events", "A channel's live events as Server-Sent Events (resume with Last-Event-ID)",
        query: StreamPosition.self, returns: EventStream.self, errors: [ChannelController.notFound])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.endpoint, ChannelController.view) { input, context in
            let channels = ChannelRepository(context)
            let channel = try await channels.require(input.channel).channel
            let position = try await start(channel.id, resumeAfter: input.query.resumeAfter(input.request), channels)
            let key = ChannelEvent.key(workspace: context.workspaceID, channel: channel.id)
            let body = ResponseBody { writer in
                try await withGracefulShutdownHandler {
                    // A first comment tells the reader (and any proxy) the stream is open.
                    try await writer.write(ByteBuffer(string: ServerSentEvent.comment("connected")))
                    if position.reset { try await writer.write(Self.frame(id: position.seq, event: "reset", data: #"{"reason":"history_expired"}"#)) }
                    do {
                        try await pump(channel.id, key: key, after: position.seq, channels: channels, into: &writer)
                    } catch {
                        // The status is long sent: all a failure can do is end the stream (the reader resumes).
                        if !(error is CancellationError) { context.logger.error("channel stream failed", metadata: ["error": "\(String(reflecting: error))"]) }
                        throw error
                    }
                } onGracefulShutdown: { [hub] in
                    Task { await hub.post(key) }
                }
                try await writer.finish(nil)
            }
            return EventStream(body)
        }
    }

    /// Where a stream starts: after the reader's last event, or (fresh, or from before what is
    /// kept, or from a number never given) after the newest, with a reset in the latter cases.
    private func start(_ channel: UUID, resumeAfter lastEventID: Int?, _ channels: ChannelRepository) async throws -> (seq: Int64, reset: Bool) {
        let db = channels.db
        let row = try await db.first(StreamStart.self, """
            SELECT c.event_seq, (SELECT min(seq) FROM \(db.table("channel_events")) e WHERE e.channel_id = c.id) AS oldest
            FROM \(db.table("channels")) c WHERE c.id = \(channel)
            """, logger: channels.logger)
        guard let row else { throw ChannelRepository.notFound }
        guard let lastEventID else { return (row.latest, false) }
        let resume = Int64(lastEventID)
        let kept = resume >= (row.oldest ?? row.latest + 1) - 1
        return resume <= row.latest && kept ? (resume, false) : (row.latest, true)
    }

    private func pump(_ channel: UUID, key: String, after start: Int64, channels: ChannelRepository, into writer: inout any ResponseBodyWriter) async throws {
        var cursor = start
        var woken = false
        let read = Self.reader(channel, channels)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let seen = await hub.generation(of: key)
            let items = try await feed.events(key, after: cursor, seen: seen, read: read)
            var recheck = false
            for item in items {
                try await writer.write(item.frame)
                cursor = item.seq
                recheck = recheck || item.kind.changesAccess
            }
            if items.count >= ChannelFeed.limit { continue }
            // Woken with nothing to send: the channel may be gone.
            if woken && items.isEmpty { recheck = true }
            if recheck, try await channels.find(.id(channel)) == nil {
                await feed.forget(key)
                return
            }
            woken = await hub.wait(for: key, after: seen, timeout: heartbeat)
            if !woken {
                try await writer.write(ByteBuffer(string: ServerSentEvent.comment("heartbeat")))
                if try await channels.find(.id(channel)) == nil { return }
            }
        }
    }

    /// Reads and frames the events after a number.
    private static func reader(_ channel: UUID, _ channels: ChannelRepository) -> @Sendable (Int64) async throws -> [ChannelFeed.Item] {
        let db = channels.db, logger = channels.logger
        return { after in
            let events = try await db.all(ChannelEvent.self, """
                SELECT e.seq AS event_seq, e.kind AS event_kind, e.message_id AS event_message_id, e.member_id AS event_member_id, e.created_at AS event_at, \(ChannelMessage.select(db))
                FROM \(db.table("channel_events")) e
                LEFT JOIN \(db.table("channel_messages")) m
                       ON m.id = e.message_id AND e.kind IN ('message.created', 'message.updated', 'messages.squashed')
                WHERE e.channel_id = \(channel) AND e.seq > \(after)
                ORDER BY e.seq LIMIT \(ChannelFeed.limit)
                """, logger: logger)
            return try events.map { event in
                let data = try JSONWriter.encode(ChannelEvent.Payload(channelID: channel, event: event))
                return ChannelFeed.Item(seq: event.seq, kind: event.kind, frame: frame(id: event.seq, event: event.kind.rawValue, data: String(decoding: data, as: UTF8.self)))
            }
        }
    }

    static func frame(id: Int64, event: String, data: String) -> ByteBuffer {
        ByteBuffer(string: ServerSentEvent(id: String(id), event: event, data: data).encoded)
    }
}

private struct StreamStart: Row {
    let latest: Int64
    let oldest: Int64?
    init(row: RowReader) throws {
        latest = try row("event_seq")
        oldest = try row("oldest")
    }
}
