import Foundation
import Logging
import PlatformCore

/// The workspace's channels as one caller reaches them (`ChannelAccess`): the channels themselves,
/// who takes part and who is granted access.
struct ChannelRepository {
    let db: TenantDatabase
    let logger: Logger
    let access: ChannelAccess
    let workspace: UUID

    init(_ context: TenantContext) {
        db = context.db
        logger = context.logger
        access = ChannelAccess(context)
        workspace = context.workspaceID
    }

    static let notFound = AppError.notFound("channel_not_found", "No channel with this slug or id that you can see in this workspace.")
    static let slugTaken = AppError.conflict("slug_taken", "Another channel has this slug.")
    static let adminRequired = AppError.forbidden("channel_admin_required", "Only the channel's admins and the workspace's owners and admins can do this.")
    static let notParticipant = AppError.forbidden("not_a_participant", "Join the channel first.")
    static let inviteRequired = AppError.forbidden("invite_required", "This channel is private: a channel admin must add you or grant you access.")
    static let completed = AppError.conflict("channel_completed", "The channel is completed; reopen it (status active) to change it.")
    static let userRequired = AppError.forbidden("user_required", "This keeps a person's own state in the channel; use a user's access token, not an API key.")
    static let unknownMembers = AppError.validation("Name active members of this workspace.", fields: ["member_ids": "includes someone who is not an active member"])
    static let unknownAssignee = AppError.validation("Assign the channel to an active member.", fields: ["assigned_to": "is not an active member"])

    func change(_ channel: UUID) -> ChannelChange { ChannelChange(db: db, workspace: workspace, channel: channel) }

    /// The channel with the caller's standing in it; nil when it does not exist or is hidden.
    func find(_ key: ChannelKey) async throws -> AccessibleChannel? {
        let member = access.isKey ? nil : access.member
        // Grants matter only to those who do not see everything.
        let granted: SQLFragment = access.seesAll || member == nil
            ? "false"
            : "c.id IN (SELECT g.channel_id FROM \(db.function("member_channel_grants"))(\(member)) g)"
        return try await db.first(AccessibleChannel.self, try """
            SELECT \(Channel.select(db)), p.joined AS _joined, p.role AS _role, \(granted) AS _granted
            FROM \(db.table("channels")) c
            LEFT JOIN \(db.table("channel_members")) p ON p.channel_id = c.id AND p.member_id = \(member)
            WHERE \(key.matches("c")) AND \(access.visible(in: db))
            """, logger: logger)
    }

    func require(_ key: ChannelKey) async throws -> AccessibleChannel {
        try await find(key).orNotFound(Self.notFound)
    }

    /// A channel the caller manages: a workspace owner or admin, an `admin` key, a channel admin.
    func requireManager(_ key: ChannelKey) async throws -> AccessibleChannel {
        let channel = try await require(key)
        guard canManage(channel) else { throw Self.adminRequired }
        return channel
    }

    func canManage(_ channel: AccessibleChannel) -> Bool { access.managesAll || (!access.isKey && channel.isChannelAdmin) }

    /// Whether the caller may post: participants (keys and workspace owners and admins need not join).
    func canPost(_ channel: AccessibleChannel) -> Bool { access.isKey || access.managesAll || channel.joined }

    /// A channel the caller may post in (and it is not completed).
    func requirePoster(_ key: ChannelKey) async throws -> AccessibleChannel {
        let channel = try await require(key)
        guard canPost(channel) else { throw Self.notParticipant }
        guard channel.channel.status == .active else { throw Self.completed }
        return channel
    }

    /// The caller as a person (their member id), for their own state in a channel.
    func person() throws -> UUID {
        guard !access.isKey, let member = access.member else { throw Self.userRequired }
        return member
    }

    func list(_ filter: Channel.Filter) async throws -> ListResponse<Channel> {
        let pattern = LikePattern.containing(filter.search)
        return try await db.list(Channel.self, """
            FROM (SELECT \(Channel.select(db)) FROM \(db.table("channels")) c
                  WHERE \(access.visible(in: db))
                    AND (\(pattern)::text IS NULL OR c.name ILIKE \(pattern) OR c.description ILIKE \(pattern))
                    AND (\(filter.status?.rawValue)::text IS NULL OR c.status = \(filter.status?.rawValue))
                    AND (\(filter.priority?.rawValue)::text IS NULL OR c.priority = \(filter.priority?.rawValue))
                    AND (\(filter.type?.rawValue)::text IS NULL OR c.type = \(filter.type?.rawValue))
                    AND (\(filter.assignedTo)::uuid IS NULL OR c.assigned_to = \(filter.assignedTo))) c
            """, orderBy: "c.created_at, c.id", page: filter.page, logger: logger)
    }

    /// Every member named is an active member of the workspace, or `error`.
    func requireActive(_ members: [UUID], _ error: AppError) async throws {
        guard !members.isEmpty else { return }
        let distinct = Array(Set(members))
        let found = try await db.value(Int.self, """
            SELECT count(*)::int FROM \(db.table("members")) WHERE id = ANY(\(distinct)) AND status = 'active'
            """, logger: logger)
        guard found == distinct.count else { throw error }
    }

    /// The creator joins as the channel's admin; `member_ids` join as members.
    func create(_ new: Channel.New) async throws -> Channel {
        try await requireActive(new.memberIDs ?? [], Self.unknownMembers)
        try await requireActive(new.assignedTo.map { [$0] } ?? [], Self.unknownAssignee)
        let table = db.table("channels")
        let creator = access.member
        let participants = Array(Set((new.memberIDs ?? []) + (creator.map { [$0] } ?? [])))
        for _ in 0..<5 {
            let id = UUID()
            let slug: SQLFragment = new.slug.map { "\($0)" } ?? Slug.free(Slug.make(from: new.name, fallback: "channel"), in: table, reserved: Channel.reservedSlugs)
            let created = try await db.value(UUID.self, try """
                WITH c AS (INSERT INTO \(table) (id, slug, name, description, type, priority, assigned_to, created_by)
                           VALUES (\(id), \(slug), \(new.name), \(new.description ?? ""), \((new.type ?? .public).rawValue),
                                   \((new.priority ?? .medium).rawValue), \(new.assignedTo), \(creator))
                           ON CONFLICT (slug) DO NOTHING RETURNING id),
                     p AS (INSERT INTO \(db.table("channel_members")) (channel_id, member_id, joined, joined_at, role, added_by)
                           SELECT c.id, x.member_id, true, now(), CASE WHEN x.member_id = \(creator) THEN 'admin' ELSE 'member' END, \(creator)
                           FROM c, unnest(\(participants)::uuid[]) x(member_id)),
                     \(change(id).activity("channel.created", actor: creator, when: "EXISTS (SELECT 1 FROM c)"))
                SELECT id FROM c
                """, logger: logger)
            if created != nil { return try await require(.id(id)).channel }
            if new.slug != nil { throw Self.slugTaken }
        }
        throw AppError.conflict("slug_contended", "Many channels with this name are being created at once; try again.")
    }

    func update(_ key: ChannelKey, _ patch: Channel.Change) async throws -> Channel {
        let channel = try await requireManager(key).channel
        if case .value(let assignee) = patch.assignedTo { try await requireActive([assignee], Self.unknownAssignee) }
        var changes = Assignments()
        changes.set("name", patch.name)
        changes.set("description", patch.description.clearingTo(""))
        if case .value(let type) = patch.type { changes.set("type", to: type.rawValue) }
        if case .value(let priority) = patch.priority { changes.set("priority", to: priority.rawValue) }
        changes.set("assigned_to", patch.assignedTo)
        if case .value(let status) = patch.status, status != channel.status {
            changes.set("status", to: status.rawValue)
            if status == .active {
                changes.set("completed_at", Patch<Date>.null)
                changes.set("completed_by", Patch<UUID>.null)
                changes.set("completion_note", to: "")
            } else {
                changes.setNow("completed_at")
                changes.set("completed_by", access.member.map(Patch.value) ?? .null)
            }
        }
        guard !changes.isEmpty else { return channel }
        changes.setNow("updated_at")
        let writer = change(channel.id)
        try await db.execute(try """
            WITH updated AS (UPDATE \(db.table("channels")) SET \(changes) WHERE id = \(channel.id) RETURNING id),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM updated)")),
                 \(writer.event(.channelUpdated, member: access.member)),
                 \(writer.activity("channel.updated", actor: access.member, details: patch.summary))
            SELECT \(writer.notify) FROM updated
            """, logger: logger)
        return try await require(.id(channel.id)).channel
    }

    func complete(_ key: ChannelKey, note: String) async throws -> Channel {
        let channel = try await requireManager(key).channel
        guard channel.status == .active else { throw Self.completed }
        let writer = change(channel.id)
        try await db.execute(try """
            WITH updated AS (UPDATE \(db.table("channels"))
                             SET status = 'completed', completed_at = now(), completed_by = \(access.member), completion_note = \(note), updated_at = now()
                             WHERE id = \(channel.id) AND status = 'active' RETURNING id),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM updated)")),
                 \(writer.event(.channelUpdated, member: access.member)),
                 \(writer.activity("channel.completed", actor: access.member, details: JSONObject(["note": .string(note)]), when: "EXISTS (SELECT 1 FROM updated)"))
            SELECT \(writer.notify) FROM updated
            """, logger: logger)
        return try await require(.id(channel.id)).channel
    }

    /// Deletes the channel and everything in it; answers its files' storage keys, to remove.
    func delete(_ key: ChannelKey) async throws -> [String] {
        let channel = try await requireManager(key).channel
        let notify = ChannelEvent.key(workspace: workspace, channel: channel.id)
        // The files are read in the statement's snapshot, from before the cascade.
        let keys = try await db.value([String].self, """
            WITH gone AS (DELETE FROM \(db.table("channels")) WHERE id = \(channel.id) RETURNING id)
            SELECT coalesce((SELECT array_agg(storage_key) FROM \(db.table("channel_files")) WHERE channel_id = \(channel.id)), '{}'),
                   pg_notify(\(DatabaseListener.channel), \(notify))
            FROM gone
            """, logger: logger)
        return keys ?? []
    }

    func permissions(_ key: ChannelKey) async throws -> ChannelPermissions {
        let found = try await require(key)
        let channel = found.channel
        let source: ChannelPermissions.Source =
            access.isKey ? .apiKey
            : access.managesAll ? .workspaceRole
            : found.isChannelAdmin ? .channelAdmin
            : found.joined ? .participant
            : found.granted ? .grant
            : .public
        return ChannelPermissions(
            channelID: channel.id, slug: channel.slug, source: source, isMember: found.joined, role: found.joined ? found.role : nil,
            canView: true, canJoin: !found.joined && access.mayJoin(found), canPost: canPost(found) && channel.status == .active,
            canManage: canManage(found))
    }
}

extension Channel.Change {
    /// The fields a change sets, for the activity log.
    var summary: JSONObject {
        var fields: [String: JSONValue] = [:]
        if case .value(let value) = name { fields["name"] = .string(value) }
        if case .value = description { fields["description"] = .bool(true) }
        if case .value(let value) = type { fields["type"] = .string(value.rawValue) }
        if case .value(let value) = status { fields["status"] = .string(value.rawValue) }
        if case .value(let value) = priority { fields["priority"] = .string(value.rawValue) }
        if case .value(let value) = assignedTo { fields["assigned_to"] = .string(value.uuidString.lowercased()) }
        if case .null = assignedTo { fields["assigned_to"] = .null }
        return JSONObject(fields)
    }
}
