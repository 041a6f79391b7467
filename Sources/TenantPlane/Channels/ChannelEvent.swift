import Foundation
import Logging
import PlatformCore

/// One change in a channel that live streams send: numbered per channel (the SSE `id:`), recorded
/// in the statement that makes the change, and announced by NOTIFY when it commits.
struct ChannelEvent: Sendable, Row {
    enum Kind: String, SchemaEnum {
        case messageCreated = "message.created"
        case messageUpdated = "message.updated"
        case messageDeleted = "message.deleted"
        case messagesSquashed = "messages.squashed"
        case messagesRestored = "messages.restored"
        case readStateUpdated = "read_state.updated"
        /// Joins, leaves, additions, removals, grants: who may see the channel may have changed.
        case membersChanged = "members.changed"
        case channelUpdated = "channel.updated"

        /// Whether a stream must check its reader may still see the channel.
        var changesAccess: Bool { self == .membersChanged || self == .channelUpdated }
    }

    let seq: Int64
    let kind: Kind
    let messageID: UUID?
    let memberID: UUID?
    let createdAt: Date
    /// The message as it is when the event is read (nil for other kinds, or once it is gone).
    let message: ChannelMessage?

    init(row: RowReader) throws {
        seq = try row("event_seq")
        kind = try row("event_kind")
        messageID = try row("event_message_id")
        memberID = try row("event_member_id")
        createdAt = try row("event_at")
        message = try row("id", as: UUID?.self) == nil ? nil : try ChannelMessage(row: row)
    }

    /// The `data:` of the SSE event.
    struct Payload: Encodable {
        let channelID: UUID
        let event: ChannelEvent

        enum CodingKeys: String, CodingKey {
            case channelID = "channel_id", seq, type, messageID = "message_id", memberID = "member_id", message, createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(channelID, forKey: .channelID)
            try container.encode(event.seq, forKey: .seq)
            try container.encode(event.kind, forKey: .type)
            try container.encode(event.messageID, forKey: .messageID)
            try container.encode(event.memberID, forKey: .memberID)
            try container.encodeIfPresent(event.message, forKey: .message)
            try container.encode(event.createdAt, forKey: .createdAt)
        }
    }

    /// The key NOTIFY carries and the hub wakes streams by.
    static func key(workspace: UUID, channel: UUID) -> String {
        "channel:\(workspace.uuidString.lowercased()):\(channel.uuidString.lowercased())"
    }

    /// How long events are kept for streams to resume from.
    static let retention: TimeInterval = 7 * 86_400
}

/// The SQL pieces every change in a channel is made of, so each is one statement: the channel's
/// row is locked and its event counter taken, the event recorded, the streams told on commit.
struct ChannelChange {
    let db: any TenantQueryable
    let workspace: UUID
    let channel: UUID

    /// CTE `bump`: the next event number (with the channel's row locked), only `when` a CTE or
    /// condition says something changed; `counter` adjusts `message_count` too.
    func bump(when condition: SQLFragment = "true", counter: SQLFragment = "0", position: Bool = false) -> SQLFragment {
        let last: SQLFragment = position
            ? ", last_message_at = greatest(clock_timestamp(), last_message_at + interval '1 microsecond')"
            : ""
        return """
            bump AS (UPDATE \(db.table("channels")) SET event_seq = event_seq + 1, message_count = message_count + (\(counter))\(last)
                     WHERE id = \(channel) AND \(condition) RETURNING event_seq, last_message_at)
            """
    }

    /// CTE `event`: records the event numbered by `bump`, once per row of `source` (a CTE with
    /// the `message` and `member` columns named).
    func event(_ kind: ChannelEvent.Kind, message: SQLFragment = "NULL::uuid", member: UUID?, from source: SQLFragment? = nil) -> SQLFragment {
        let from: SQLFragment = source.map { "bump, \($0)" } ?? "bump"
        return """
            event AS (INSERT INTO \(db.table("channel_events")) (channel_id, seq, kind, message_id, member_id)
                      SELECT \(channel), bump.event_seq, \(kind.rawValue), \(message), \(member) FROM \(from) LIMIT 1)
            """
    }

    /// A select-list expression that wakes the channel's streams when the transaction commits,
    /// if `bump` took a number.
    var notify: SQLFragment {
        "(SELECT pg_notify(\(DatabaseListener.channel), \(ChannelEvent.key(workspace: workspace, channel: channel))) FROM bump) AS _notified"
    }

    /// CTE `activity`: one line of the channel's activity log, `when` a condition holds.
    func activity(_ action: String, actor: UUID?, target: (type: String, id: UUID)? = nil, details: JSONObject = JSONObject(), when condition: SQLFragment = "true") -> SQLFragment {
        let (targetType, targetID) = (target?.type, target?.id)
        return """
            activity AS (INSERT INTO \(db.table("channel_activities")) (channel_id, actor_id, action, target_type, target_id, details)
                         SELECT \(channel), \(actor), \(action), \(targetType)::text, \(targetID)::uuid, \(details) WHERE \(condition))
            """
    }
}

/// Drops channel events older than the retention once a day (a stream resuming from before them
/// gets `reset`).
public struct ChannelEventPrune: TenantMaintenance {
    public let kind = "prune_channel_events"

    public init() {}

    public func run(on db: TenantDatabase, now: Date, logger: Logger) async throws -> Int {
        let cutoff = now.addingTimeInterval(-ChannelEvent.retention)
        return try await db.execute("""
            DELETE FROM \(db.table("channel_events")) WHERE created_at < \(cutoff) RETURNING seq
            """, logger: logger)
    }
}
