import Foundation
import PlatformCore

/// A room for talking and working together (internally, in the seed, an "action"): public ones are
/// open to every member, private ones to participants and grantees; workspace owners and admins
/// see all. Completing it archives it: its timeline stays readable and takes no more posts.
struct Channel: APIModel, TableRow {
    enum Kind: String, SchemaEnum { case `public`, `private` }
    enum Status: String, SchemaEnum { case active, completed }
    enum Priority: String, SchemaEnum { case low, medium, high, urgent }

    let id: UUID
    let slug: String
    let name: String
    let description: String
    let type: Kind
    let status: Status
    let priority: Priority
    let assignedTo: UUID?
    let createdBy: UUID?
    let messageCount: Int
    let memberCount: Int
    let lastMessageAt: Date?
    let completedAt: Date?
    let completedBy: UUID?
    let completionNote: String
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, slug, name, description, type, status, priority, assignedTo = "assigned_to", createdBy = "created_by"
        case messageCount = "message_count", memberCount = "member_count", lastMessageAt = "last_message_at"
        case completedAt = "completed_at", completedBy = "completed_by", completionNote = "completion_note"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "slug", "name", "description", "type", "status", "priority", "assigned_to", "created_by", "message_count", "member_count",
        "last_message_at", "completed_at", "completed_by", "completion_note", "created_at", "updated_at",
    ]

    /// The select list for a channel `c`, with its participant count.
    static func select(_ db: some TenantQueryable) -> SQLFragment {
        """
        c.id, c.slug, c.name, c.description, c.type, c.status, c.priority, c.assigned_to, c.created_by, c.message_count,
        (SELECT count(*)::int FROM \(db.table("channel_members")) p WHERE p.channel_id = c.id AND p.joined) AS member_count,
        c.last_message_at, c.completed_at, c.completed_by, c.completion_note, c.created_at, c.updated_at
        """
    }

    init(row: RowReader) throws {
        id = try row("id")
        slug = try row("slug")
        name = try row("name")
        description = try row("description")
        type = try row("type")
        status = try row("status")
        priority = try row("priority")
        assignedTo = try row("assigned_to")
        createdBy = try row("created_by")
        messageCount = try row("message_count")
        memberCount = try row("member_count")
        lastMessageAt = try row("last_message_at")
        completedAt = try row("completed_at")
        completedBy = try row("completed_by")
        completionNote = try row("completion_note")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    init(id: UUID, slug: String, name: String, type: Kind, createdBy: UUID?, createdAt: Date) {
        (self.id, self.slug, self.name, self.description, self.type, self.status, self.priority) = (id, slug, name, "", type, .active, .medium)
        (self.assignedTo, self.createdBy, self.messageCount, self.memberCount, self.lastMessageAt) = (nil, createdBy, 0, 1, nil)
        (self.completedAt, self.completedBy, self.completionNote, self.createdAt, self.updatedAt) = (nil, nil, "", createdAt, createdAt)
    }

    static let example = Channel(
        id: UUID(uuidString: "0c4a1e52-7d3b-4f6e-9a2c-5b8d1e3f7a90")!, slug: "launch-2027", name: "Launch 2027", type: .public,
        createdBy: TeamMember.example.memberID, createdAt: Date(timeIntervalSince1970: 1_790_000_000))

    /// Slugs the API's own paths use under `/channels`.
    static let reservedSlugs: Set<String> = ["unread-counts"]

    struct New: RequestBody, APIModel {
        var name: String
        var slug: String?
        var description: String?
        var type: Kind?
        var priority: Priority?
        var assignedTo: UUID?
        /// Members to add as participants at once (the creator always is one, as its admin).
        var memberIDs: [UUID]?

        enum CodingKeys: String, CodingKey {
            case name, slug, description, type, priority, assignedTo = "assigned_to", memberIDs = "member_ids"
        }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.name = check.text(name, "name", length: 1...200)
            new.description = check.text(description ?? "", "description", length: 0...4000)
            if let slug {
                check.require(Slug.isValid(slug) && !Channel.reservedSlugs.contains(slug), "slug", Slug.invalidMessage)
            }
            check.require((memberIDs ?? []).count <= 500, "member_ids", "must name at most 500 members")
            try check.finish("The channel is invalid.")
            return new
        }

        static let example = New(
            name: "Launch 2027", slug: nil, description: "Everything about the launch", type: .public, priority: .high, assignedTo: nil, memberIDs: nil)
    }

    /// PUT and PATCH: only the fields sent change (the slug never does). Setting `status` to
    /// `active` reopens a completed channel.
    struct Change: RequestBody, APIModel {
        var name: Patch<String>
        var description: Patch<String>
        var type: Patch<Kind>
        var status: Patch<Status>
        var priority: Patch<Priority>
        var assignedTo: Patch<UUID>

        enum CodingKeys: String, CodingKey { case name, description, type, status, priority, assignedTo = "assigned_to" }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let value) = name { change.name = .value(check.text(value, "name", length: 1...200)) }
            if case .value(let value) = description { change.description = .value(check.text(value, "description", length: 0...4000)) }
            for (field, isNull) in [("name", name == .null), ("type", type == .null), ("status", status == .null), ("priority", priority == .null)] {
                check.require(!isNull, field, "must not be null")
            }
            try check.finish("The channel change is invalid.")
            return change
        }

        static let example = Change(name: .value("Launch 2027 (EU)"), description: .absent, type: .absent, status: .absent, priority: .value(.urgent), assignedTo: .absent)
    }

    struct Completion: RequestBody, APIModel {
        var note: String?

        func validated() throws -> Completion {
            var check = Validation()
            let note = check.text(note ?? "", "note", length: 0...4000)
            try check.finish("The completion is invalid.")
            return Completion(note: note)
        }

        static let example = Completion(note: "Shipped on time.")
    }

    struct Filter: QueryParameters {
        let page: Page
        let search: String?
        let status: Status?
        let priority: Priority?
        let type: Kind?
        let assignedTo: UUID?

        enum CodingKeys: String, CodingKey { case page, search, status, priority, type, assignedTo = "assigned_to" }
    }
}

/// How a path names a channel: its slug, or its id.
typealias ChannelKey = SlugKey

extension Input {
    var channel: ChannelKey { ChannelKey(parameter("channel_slug")) }
}
