import Foundation
import Logging
import PlatformCore

/// Who takes part in a channel, who is granted access, and each person's own state in it.
extension ChannelRepository {
    static let grantNotFound = AppError.notFound("grant_not_found", "This member or team has no access to remove on this channel.")
    static let unknownGrantee = AppError.validation(
        "Grant to an active member or an existing team of this workspace.", fields: ["member_id": "is not an active member", "team_id": "is not a team"])
    static let unknownMember = AppError.validation("Add an active member of this workspace.", fields: ["member_id": "is not an active member"])
    static let messageNotFound = AppError.notFound("message_not_found", "No message with this id in this channel.")

    func participants(_ key: ChannelKey) async throws -> [ChannelParticipant] {
        let channel = try await require(key).channel
        return try await participants(channel.id, only: nil)
    }

    private func participants(_ channel: UUID, only member: UUID?) async throws -> [ChannelParticipant] {
        try await db.all(ChannelParticipant.self, """
            SELECT p.member_id, m.email, m.full_name, p.role, p.joined, p.joined_at
            FROM \(db.table("channel_members")) p JOIN \(db.table("members")) m ON m.id = p.member_id
            WHERE p.channel_id = \(channel) AND (\(member)::uuid IS NULL OR p.member_id = \(member)) AND (p.joined OR \(member)::uuid IS NOT NULL)
            ORDER BY p.joined_at, p.member_id
            """, logger: logger)
    }

    /// Makes `member` a participant with `role` (nil: keeps theirs, or member); a channel event
    /// and an activity line when they were not one.
    private func enrol(_ channel: UUID, _ member: UUID, role: ChannelParticipant.Role?, action: String) async throws -> ChannelParticipant {
        let writer = change(channel)
        try await db.execute(try """
            WITH before AS (SELECT joined FROM \(db.table("channel_members")) WHERE channel_id = \(channel) AND member_id = \(member)),
                 upsert AS (INSERT INTO \(db.table("channel_members")) (channel_id, member_id, joined, joined_at, role, added_by)
                            VALUES (\(channel), \(member), true, now(), \(role?.rawValue ?? "member"), \(access.member))
                            ON CONFLICT (channel_id, member_id) DO UPDATE SET
                                joined = true, role = coalesce(\(role?.rawValue)::text, CASE WHEN channel_members.joined THEN channel_members.role ELSE 'member' END),
                                joined_at = CASE WHEN channel_members.joined THEN channel_members.joined_at ELSE now() END,
                                added_by = CASE WHEN channel_members.joined THEN channel_members.added_by ELSE EXCLUDED.added_by END,
                                updated_at = now()
                            RETURNING member_id),
                 \(writer.bump(when: "NOT coalesce((SELECT joined FROM before), false)")),
                 \(writer.event(.membersChanged, member: member)),
                 \(writer.activity(action, actor: access.member, target: ("member", member), when: "NOT coalesce((SELECT joined FROM before), false)"))
            SELECT \(writer.notify) FROM upsert
            """, logger: logger)
        return try await participants(channel, only: member)[0]
    }

    /// The caller joins: any public channel, a private one only when granted (or as a workspace admin).
    func join(_ key: ChannelKey) async throws -> ChannelParticipant {
        let member = try person()
        let channel = try await require(key)
        guard channel.joined || access.mayJoin(channel) else { throw Self.inviteRequired }
        return try await enrol(channel.channel.id, member, role: nil, action: "member.joined")
    }

    /// A channel admin adds someone (or changes their role).
    func add(_ key: ChannelKey, _ new: ChannelParticipant.New) async throws -> ChannelParticipant {
        let channel = try await requireManager(key).channel
        try await requireActive([new.memberID], Self.unknownMember)
        return try await enrol(channel.id, new.memberID, role: new.role, action: "member.added")
    }

    /// The caller leaves (their read position stays for a return); leaving twice is harmless.
    func leave(_ key: ChannelKey) async throws -> ChannelParticipant {
        let member = try person()
        let channel = try await require(key).channel
        try await withdraw(channel.id, member, action: "member.left")
        let state = try await participants(channel.id, only: member)
        if let participant = state.first { return participant }
        let profile = try await db.first(ChannelParticipant.self, """
            SELECT id AS member_id, email, full_name, 'member' AS role, false AS joined, NULL::timestamptz AS joined_at
            FROM \(db.table("members")) WHERE id = \(member)
            """, logger: logger)
        return try profile.orNotFound(Self.unknownMember)
    }

    /// Ends a participation (the role returns to member); answers whether there was one.
    @discardableResult
    private func withdraw(_ channel: UUID, _ member: UUID, action: String, dropGrant: Bool = false) async throws -> Bool {
        let writer = change(channel)
        let grants: SQLFragment = dropGrant
            ? "DELETE FROM \(db.table("channel_access")) WHERE channel_id = \(channel) AND member_id = \(member) RETURNING id"
            : "SELECT NULL::uuid AS id WHERE false"
        let changed = try await db.value(Bool.self, try """
            WITH left_ AS (UPDATE \(db.table("channel_members")) SET joined = false, role = 'member', updated_at = now()
                           WHERE channel_id = \(channel) AND member_id = \(member) AND joined RETURNING member_id),
                 dropped AS (\(grants)),
                 \(writer.bump(when: "(EXISTS (SELECT 1 FROM left_) OR EXISTS (SELECT 1 FROM dropped))")),
                 \(writer.event(.membersChanged, member: member)),
                 \(writer.activity(action, actor: access.member, target: ("member", member), when: "(EXISTS (SELECT 1 FROM left_) OR EXISTS (SELECT 1 FROM dropped))"))
            SELECT EXISTS (SELECT 1 FROM left_) OR EXISTS (SELECT 1 FROM dropped), \(writer.notify)
            """, logger: logger)
        return changed ?? false
    }

    // MARK: Grants

    func grants(_ key: ChannelKey) async throws -> [ChannelGrant] {
        let channel = try await requireManager(key).channel
        return try await grants(channel.id, nil)
    }

    private func grants(_ channel: UUID, _ id: UUID?) async throws -> [ChannelGrant] {
        try await db.all(ChannelGrant.self, """
            SELECT a.id, a.channel_id, a.member_id, a.team_id, coalesce(nullif(m.full_name, ''), m.email, t.name) AS grantee, a.granted_by, a.created_at
            FROM \(db.table("channel_access")) a
            LEFT JOIN \(db.table("members")) m ON m.id = a.member_id
            LEFT JOIN \(db.table("teams")) t ON t.id = a.team_id
            WHERE a.channel_id = \(channel) AND (\(id)::uuid IS NULL OR a.id = \(id))
            ORDER BY a.created_at, a.id
            """, logger: logger)
    }

    /// Grants access to a member or a team (granting again changes nothing).
    func grant(_ key: ChannelKey, _ new: ChannelGrant.New) async throws -> ChannelGrant {
        let channel = try await requireManager(key).channel
        let exists = try await db.value(Bool.self, """
            SELECT EXISTS (SELECT 1 FROM \(db.table("members")) WHERE id = \(new.memberID) AND status = 'active')
                OR EXISTS (SELECT 1 FROM \(db.table("teams")) WHERE id = \(new.teamID))
            """, logger: logger)
        guard exists == true else { throw Self.unknownGrantee }
        let conflict: SQLFragment = new.memberID != nil ? "(channel_id, member_id)" : "(channel_id, team_id)"
        let grantee: (type: String, id: UUID) = new.memberID.map { ("member", $0) } ?? ("team", new.teamID!)
        let writer = change(channel.id)
        let id = try await db.value(UUID.self, try """
            WITH granted AS (INSERT INTO \(db.table("channel_access")) (channel_id, member_id, team_id, granted_by)
                             VALUES (\(channel.id), \(new.memberID), \(new.teamID), \(access.member))
                             ON CONFLICT \(conflict) DO UPDATE SET granted_by = channel_access.granted_by
                             RETURNING id, (xmax = 0) AS inserted),
                 \(writer.activity("access.granted", actor: access.member, target: grantee, when: "(SELECT inserted FROM granted)"))
            SELECT id FROM granted
            """, logger: logger)!
        return try await grants(channel.id, id)[0]
    }

    /// Removes a member's grant and their participation: in a private channel they lose it.
    func revokeMember(_ key: ChannelKey, _ member: UUID) async throws {
        let channel = try await requireManager(key).channel
        guard try await withdraw(channel.id, member, action: "access.revoked", dropGrant: true) else { throw Self.grantNotFound }
    }

    func revokeTeam(_ key: ChannelKey, _ team: UUID) async throws {
        let channel = try await requireManager(key).channel
        let writer = change(channel.id)
        let removed = try await db.value(Bool.self, try """
            WITH dropped AS (DELETE FROM \(db.table("channel_access")) WHERE channel_id = \(channel.id) AND team_id = \(team) RETURNING id),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM dropped)")),
                 \(writer.event(.membersChanged, member: nil)),
                 \(writer.activity("access.revoked", actor: access.member, target: ("team", team), when: "EXISTS (SELECT 1 FROM dropped)"))
            SELECT EXISTS (SELECT 1 FROM dropped), \(writer.notify)
            """, logger: logger)
        guard removed == true else { throw Self.grantNotFound }
    }

    // MARK: The caller's own state

    func readStatus(_ key: ChannelKey) async throws -> ChannelReadStatus {
        let member = try person()
        let channel = try await require(key).channel
        return try await readStatuses(member, channel: channel.id).first.orNotFound(Self.notFound)
    }

    /// Read positions and unread counts: of one channel, or of every channel the member has joined
    /// (and may still see), in one query. The member's own messages are never unread.
    func readStatuses(_ member: UUID, channel: UUID?) async throws -> [ChannelReadStatus] {
        let scope: SQLFragment
        if let channel { scope = "c.id = \(channel)" } else { scope = "p.joined AND \(access.visible(in: db))" }
        let join: SQLFragment = channel == nil ? "JOIN" : "LEFT JOIN"
        return try await db.all(ChannelReadStatus.self, try """
            SELECT c.id AS channel_id, c.slug, c.name, p.last_read_message_id, p.last_read_at, p.starred, p.muted,
                   (SELECT count(*)::int FROM \(db.table("channel_messages")) m
                    WHERE m.channel_id = c.id AND m.deleted_at IS NULL AND m.author_id IS DISTINCT FROM \(member)
                      AND (p.last_read_position IS NULL OR (m.created_at, m.id) > (p.last_read_position, p.last_read_message_id))) AS unread_count
            FROM \(db.table("channels")) c \(join) \(db.table("channel_members")) p ON p.channel_id = c.id AND p.member_id = \(member)
            WHERE \(scope)
            ORDER BY c.name, c.id
            """, logger: logger)
    }

    /// Moves the caller's read mark to `message` (default: the newest), never backwards.
    func markRead(_ key: ChannelKey, message: UUID?) async throws -> ChannelReadStatus {
        let member = try person()
        let channel = try await require(key).channel
        let writer = change(channel.id)
        let messages = db.table("channel_messages")
        let found = try await db.value(Bool.self, try """
            WITH target AS (SELECT id, created_at FROM \(messages)
                            WHERE channel_id = \(channel.id) AND deleted_at IS NULL AND (\(message)::uuid IS NULL OR id = \(message))
                            ORDER BY created_at DESC, id DESC LIMIT 1),
                 moved AS (INSERT INTO \(db.table("channel_members")) AS p (channel_id, member_id, last_read_message_id, last_read_position, last_read_at)
                           SELECT \(channel.id), \(member), id, created_at, now() FROM target
                           ON CONFLICT (channel_id, member_id) DO UPDATE SET
                               last_read_message_id = EXCLUDED.last_read_message_id, last_read_position = EXCLUDED.last_read_position,
                               last_read_at = now(), updated_at = now()
                           WHERE p.last_read_position IS NULL
                              OR (p.last_read_position, p.last_read_message_id) < (EXCLUDED.last_read_position, EXCLUDED.last_read_message_id)
                           RETURNING last_read_message_id),
                 \(writer.bump(when: "EXISTS (SELECT 1 FROM moved)")),
                 \(writer.event(.readStateUpdated, message: "moved.last_read_message_id", member: member, from: "moved"))
            SELECT EXISTS (SELECT 1 FROM target), \(writer.notify)
            """, logger: logger)
        if message != nil, found != true { throw Self.messageNotFound }
        return try await readStatuses(member, channel: channel.id)[0]
    }

    /// Toggles the caller's star (`starred`) or mute (`muted`) on a channel they can see.
    func toggle(_ key: ChannelKey, _ flag: ChannelFlag) async throws -> ChannelReadStatus {
        let member = try person()
        let channel = try await require(key).channel
        let column: SQLFragment = flag == .star ? "starred" : "muted"
        try await db.execute(try """
            INSERT INTO \(db.table("channel_members")) AS p (channel_id, member_id, \(column)) VALUES (\(channel.id), \(member), true)
            ON CONFLICT (channel_id, member_id) DO UPDATE SET \(column) = NOT p.\(column), updated_at = now()
            """, logger: logger)
        return try await readStatuses(member, channel: channel.id)[0]
    }

    func unreadCounts() async throws -> UnreadCounts {
        let items = try await readStatuses(try person(), channel: nil)
        return UnreadCounts(items: items, totalUnread: items.reduce(0) { $0 + ($1.isMuted ? 0 : $1.unreadCount) })
    }
}

enum ChannelFlag { case star, mute }
