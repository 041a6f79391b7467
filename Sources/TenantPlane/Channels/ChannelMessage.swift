import Foundation
import PlatformCore

/// A message in a channel's timeline, ordered by `(created_at, id)`. A `summary` stands in for
/// the messages squashed into it (deleted while it stands, back when it is restored).
struct ChannelMessage: APIModel, TableRow {
    enum Kind: String, SchemaEnum { case message, summary }

    let id: UUID
    let channelID: UUID
    let authorID: UUID?
    let authorName: String?
    let kind: Kind
    let body: String
    let metadata: JSONObject
    let squashedCount: Int
    let squashSummaryID: UUID?
    let createdAt: Date
    let editedAt: Date?
    let deletedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, channelID = "channel_id", authorID = "author_id", authorName = "author_name", kind, body, metadata
        case squashedCount = "squashed_count", squashSummaryID = "squash_summary_id", createdAt = "created_at", editedAt = "edited_at"
        case deletedAt = "deleted_at"
    }

    static let columns: Columns = [
        "id", "channel_id", "author_id", "author_name", "kind", "body", "metadata", "squashed_count", "squash_summary_id", "created_at",
        "edited_at", "deleted_at",
    ]

    /// The select list for a message `m`, with its author's name.
    static func select(_ db: some TenantQueryable) -> SQLFragment {
        """
        m.id, m.channel_id, m.author_id,
        (SELECT coalesce(nullif(a.full_name, ''), a.email) FROM \(db.table("members")) a WHERE a.id = m.author_id) AS author_name,
        m.kind, m.body, m.metadata, m.squashed_count, m.squash_summary_id, m.created_at, m.edited_at, m.deleted_at
        """
    }

    init(row: RowReader) throws {
        id = try row("id")
        channelID = try row("channel_id")
        authorID = try row("author_id")
        authorName = try row("author_name")
        kind = try row("kind")
        body = try row("body")
        metadata = try row("metadata")
        squashedCount = try row("squashed_count")
        squashSummaryID = try row("squash_summary_id")
        createdAt = try row("created_at")
        editedAt = try row("edited_at")
        deletedAt = try row("deleted_at")
    }

    init(id: UUID, channelID: UUID, authorID: UUID?, authorName: String?, kind: Kind, body: String, createdAt: Date) {
        (self.id, self.channelID, self.authorID, self.authorName, self.kind, self.body) = (id, channelID, authorID, authorName, kind, body)
        (self.metadata, self.squashedCount, self.squashSummaryID) = (JSONObject(), 0, nil)
        (self.createdAt, self.editedAt, self.deletedAt) = (createdAt, nil, nil)
    }

    static let example = ChannelMessage(
        id: UUID(uuidString: "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")!, channelID: Channel.example.id, authorID: TeamMember.example.memberID,
        authorName: "Ada Lovelace", kind: .message, body: "The release notes are ready for review.", createdAt: Date(timeIntervalSince1970: 1_790_000_000))

    static let maximumLength = 40_000

    struct New: RequestBody, APIModel {
        var body: String
        var metadata: JSONObject?

        func validated() throws -> New {
            var check = Validation()
            let body = check.text(body, "body", length: 1...ChannelMessage.maximumLength)
            try check.finish("The message is invalid.")
            return New(body: body, metadata: metadata)
        }

        static let example = New(body: "The release notes are ready for review.", metadata: nil)
    }

    /// PUT and PATCH: a new body (the metadata stays unless sent).
    struct Change: RequestBody, APIModel {
        var body: String
        var metadata: JSONObject?

        func validated() throws -> Change {
            let new = try New(body: body, metadata: metadata).validated()
            return Change(body: new.body, metadata: new.metadata)
        }

        static let example = Change(body: "The release notes are ready; please review by Friday.", metadata: nil)
    }

    /// Which side of a message a squash or a summary covers: `above` the older ones, `below` the newer.
    enum Direction: String, SchemaEnum { case above, below }

    /// Checked after the channel and message are found, so a wrong id answers 404 first.
    struct Squash: QueryParameters {
        let direction: Direction?
        let summary: String?

        func checked() throws -> (direction: Direction, summary: String) {
            var check = Validation()
            check.require(direction != nil, "direction", "is required: above or below")
            let text = check.text(summary ?? "", "summary", length: 1...ChannelMessage.maximumLength)
            try check.finish("The squash is invalid.")
            return (direction!, text)
        }
    }

    struct Summarize: QueryParameters {
        let direction: Direction?
        let limit: Int?

        func checked() throws -> (direction: Direction, limit: Int) {
            var check = Validation()
            check.require(direction != nil, "direction", "is required: above or below")
            check.require((1...200).contains(limit ?? 100), "limit", "must be 1 to 200")
            try check.finish("The summary request is invalid.")
            return (direction!, limit ?? 100)
        }
    }
}

/// `POST …/squash` and `…/restore`: the summary, and how many messages it covers.
struct SquashResult: APIModel {
    let summary: ChannelMessage
    let squashed: Int
    static let example = SquashResult(summary: .example, squashed: 12)
}

struct RestoreResult: APIModel {
    let restored: Int
    let messageIDs: [UUID]
    enum CodingKeys: String, CodingKey { case restored, messageIDs = "message_ids" }
    static let example = RestoreResult(restored: 12, messageIDs: [ChannelMessage.example.id])
}

struct ChannelMessageList: APIModel {
    let items: [ChannelMessage]
    static let example = ChannelMessageList(items: [.example])
}

/// `POST …/summarize`: what the model wrote about a stretch of the timeline.
struct MessageSummary: APIModel {
    let summary: String
    let messageCount: Int
    let fromMessageID: UUID?
    let toMessageID: UUID?
    enum CodingKeys: String, CodingKey { case summary, messageCount = "message_count", fromMessageID = "from_message_id", toMessageID = "to_message_id" }
    static let example = MessageSummary(summary: "The team agreed to ship on Friday.", messageCount: 40, fromMessageID: nil, toMessageID: ChannelMessage.example.id)
}
