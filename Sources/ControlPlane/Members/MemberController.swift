import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// `/members` (§2.3): the workspace's people as its own schema keeps them, joined with their
/// accounts where it matters (avatars, other workspaces). Adding and removing go through
/// `WorkspaceMembers`, so both databases always agree.
struct MemberController: Sendable {
    let client: PostgresClient
    let members: WorkspaceMembers
    let catalog: BillingCatalog
    let avatars: Avatars
    let audit: AuditLog

    static let notFound = AppError.notFound("member_not_found", "No member with this id in this workspace.")
    static let otherWorkspaces = AppError.conflict("user_in_other_workspaces", "This person belongs to other workspaces; remove them here instead.")
    static let sameMember = AppError.validation("Choose another member.", fields: ["to_member_id": "must be another member"])
    static let unknownTarget = AppError.validation("Choose a member of this workspace.", fields: ["to_member_id": "is not a member of this workspace"])

    static let list = Endpoint(.get, "/api/v1/members", "The workspace's members (search, is_active, paging)", query: MemberFilter.self,
                               returns: ListResponse<Member>.self)
    static let all = Endpoint(.get, "/api/v1/members/all", "Every active member, minimal fields, for pickers and mentions", returns: MemberBriefs.self)
    static let me = Endpoint(.get, "/api/v1/members/me", "Your member profile in this workspace", returns: Member.self,
                             errors: [ErrorCase(notFound)])
    static let tours = Endpoint(.get, "/api/v1/members/me/tours", "Your onboarding tours", returns: Tours.self, errors: [ErrorCase(notFound)])
    static let recordTour = Endpoint(.post, "/api/v1/members/me/tours", "Record a tour as completed or skipped", body: TourUpdate.self,
                                     returns: Tours.self, errors: [ErrorCase(notFound)])
    static let resetTours = Endpoint(.delete, "/api/v1/members/me/tours", "Reset one tour (tour_id) or all of them", query: TourReset.self,
                                     returns: Tours.self, errors: [ErrorCase(notFound)])
    static let show = Endpoint(.get, "/api/v1/members/{member_id}", "A member", returns: Member.self, errors: [ErrorCase(notFound)])
    static let deletionInfo = Endpoint(
        .get, "/api/v1/members/{member_id}/deletion-info", "Whether the person can be deleted for good (only when in this workspace alone)",
        returns: DeletionInfo.self, errors: [ErrorCase(notFound)])
    static let ownedItems = Endpoint(
        .get, "/api/v1/members/{member_id}/owned-items", "Everything that names the member, per table (before offboarding)", returns: OwnedItems.self,
        errors: [ErrorCase(notFound)])
    static let create = Endpoint(
        .post, "/api/v1/members", "Add an existing account to the workspace (both databases, or neither)", body: NewMember.self, returns: Member.self,
        status: .created,
        errors: [
            ErrorCase(WorkspaceMembers.unknownUser), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(WorkspaceMembers.tenantUnavailable),
            ErrorCase(InvitationController.alreadyMember), ErrorCase(Quota.example),
        ])
    static let avatar = Endpoint(
        .post, "/api/v1/members/{member_id}/avatar", "Upload a member's picture (your own, or anyone's as an admin)", body: ImageUpload.self,
        returns: Member.self, errors: [ErrorCase(notFound), ErrorCase(WorkspaceMembers.higherRole)])
    static let reassign = Endpoint(
        .post, "/api/v1/members/{member_id}/reassign", "Hand everything that names the member to another member, in one transaction",
        body: Reassignment.self, returns: OwnedItems.self, errors: [ErrorCase(notFound), ErrorCase(WorkspaceMembers.higherRole)])
    static let update = Endpoint(
        .patch, "/api/v1/members/{member_id}", "Update a member (your own profile, or anyone's as an admin; role needs an admin)",
        body: MemberChange.self, returns: Member.self,
        errors: [ErrorCase(notFound), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(WorkspaceMembers.lastOwner)])
    static let remove = Endpoint(
        .delete, "/api/v1/members/{member_id}", "Remove a member from the workspace (both databases)", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(WorkspaceMembers.lastOwner), ErrorCase(WorkspaceMembers.tenantUnavailable)])
    static let deletePermanently = Endpoint(
        .delete, "/api/v1/members/{member_id}/permanent", "Remove the member and delete their account (only when in this workspace alone)",
        returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound), ErrorCase(otherWorkspaces), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(WorkspaceMembers.lastOwner)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, .member) { input, context in
            let filter = input.query
            let pattern = LikePattern.containing(filter.search)
            let (rows, total) = try await context.db.rows(MemberRow.self, """
                FROM \(context.db.table("members"))
                WHERE (\(pattern)::text IS NULL OR full_name ILIKE \(pattern) OR email ILIKE \(pattern) OR display_name ILIKE \(pattern))
                  AND (\(filter.isActive)::bool IS NULL OR (status = 'active') = \(filter.isActive))
                """, orderBy: "lower(full_name), id", page: filter.page, logger: context.logger)
            let urls = try await avatarURLs(rows, context.logger)
            return ListResponse(items: rows.map { Member($0, avatarURL: urls[$0.id]) }, total: total, page: filter.page)
        }
        routes.tenant(Self.all, .member) { _, context in
            let rows = try await context.db.all(MemberRow.self, """
                SELECT \(MemberRow.columns) FROM \(context.db.table("members")) WHERE status = 'active' ORDER BY lower(full_name), id
                """, logger: context.logger)
            let urls = try await avatarURLs(rows, context.logger)
            return MemberBriefs(items: rows.map {
                MemberBrief(id: $0.id, email: $0.email, fullName: $0.fullName, displayName: $0.displayName, avatarURL: urls[$0.id], role: $0.role)
            })
        }
        routes.tenant(Self.me, .member) { _, context in
            try await member(try myID(context), context)
        }
        routes.tenant(Self.tours, .member) { _, context in
            Tours(tours: try await row(try myID(context), context).tours)
        }
        routes.tenant(Self.recordTour, .member) { input, context in
            let entry: JSONValue = ["status": .string(input.body.status.rawValue), "at": .string(Date().ISO8601Format())]
            return Tours(tours: try await context.db.value(JSONValue.self, """
                UPDATE \(context.db.table("members")) SET tours = tours || jsonb_build_object(\(input.body.tourID)::text, \(entry)::jsonb), updated_at = now()
                WHERE id = \(try myID(context)) RETURNING tours
                """, logger: context.logger).orNotFound(Self.notFound))
        }
        routes.tenant(Self.resetTours, .member) { input, context in
            Tours(tours: try await context.db.value(JSONValue.self, """
                UPDATE \(context.db.table("members"))
                SET tours = CASE WHEN \(input.query.tourID)::text IS NULL THEN '{}'::jsonb ELSE tours - \(input.query.tourID)::text END, updated_at = now()
                WHERE id = \(try myID(context)) RETURNING tours
                """, logger: context.logger).orNotFound(Self.notFound))
        }
        routes.tenant(Self.show, .member) { input, context in
            try await member(input.id("member_id"), context)
        }
        routes.tenant(Self.deletionInfo, .admin) { input, context in
            let target = try await row(input.id("member_id"), context)
            let count = try await client.value(Int.self, """
                SELECT count(*)::int FROM control.workspace_members WHERE user_id = \(target.userID) AND status <> 'leaving'
                """, logger: context.logger) ?? 0
            return DeletionInfo(memberID: target.id, userID: target.userID, workspaceCount: count, canDeleteUser: count <= 1)
        }
        routes.tenant(Self.ownedItems, .admin) { input, context in
            let target = try await row(input.id("member_id"), context)
            return OwnedItems(memberID: target.id, references: try await context.db.all(OwnedItems.Reference.self, """
                SELECT table_name, column_name, items FROM \(context.db.table("member_references"))(\(target.id))
                """, logger: context.logger))
        }
        routes.tenant(Self.create, .named("can_invite_member", scope: "admin")) { input, context in
            guard let userID = try await client.value(UUID.self, """
                SELECT id FROM control.users WHERE (id = \(input.body.userID) OR lower(email) = lower(\(input.body.email))) AND status <> 'disabled'
                """, logger: context.logger)
            else { throw WorkspaceMembers.unknownUser }
            guard actorRole(context).map({ $0 >= input.body.role }) == true else { throw WorkspaceMembers.higherRole }
            // Adding is not a way to change someone's role (that has its own rules: PATCH).
            if try await client.value(Bool.self, """
                SELECT true FROM control.workspace_members WHERE workspace_id = \(context.workspaceID) AND user_id = \(userID) AND status <> 'invited'
                """, logger: context.logger) == true {
                throw InvitationController.alreadyMember
            }
            let quota = try await catalog.quota(.members, workspace: context.workspaceID, logger: context.logger)
            let memberID = try await members.add(userID: userID, to: context.workspaceID, role: input.body.role, within: quota, logger: context.logger)
            await log(.memberAdded, userID, input.client, context, ["role": .string(input.body.role.rawValue)])
            return try await member(memberID, context)
        }
        routes.tenant(Self.avatar, .member) { input, context in
            let target = try await row(input.id("member_id"), context)
            try requireSelfOrManager(of: target, context)
            let key = "avatars/\(UUID().uuidString.lowercased())"
            try await avatars.storage.put(input.body.data, key: key)
            try await context.db.execute("""
                UPDATE \(context.db.table("members")) SET avatar_key = \(key), updated_at = now() WHERE id = \(target.id)
                """, logger: context.logger)
            if let previous = target.avatarKey { try? await avatars.storage.delete(key: previous) }
            return try await member(target.id, context)
        }
        routes.tenant(Self.reassign, .named("can_remove_member", scope: "admin")) { input, context in
            let from = try await row(input.id("member_id"), context)
            try requireManager(of: from, context)
            guard input.body.toMemberID != from.id else { throw Self.sameMember }
            guard try await context.db.value(Bool.self, """
                SELECT true FROM \(context.db.table("members")) WHERE id = \(input.body.toMemberID) AND status = 'active'
                """, logger: context.logger) == true
            else { throw Self.unknownTarget }
            let moved = try await context.db.transaction(logger: context.logger) { transaction in
                try await transaction.all(OwnedItems.Reference.self, """
                    SELECT table_name, column_name, items FROM \(transaction.table("reassign_member"))(\(from.id), \(input.body.toMemberID))
                    """, logger: context.logger)
            }
            return OwnedItems(memberID: from.id, references: moved)
        }
        routes.tenant(Self.update, .member) { input, context in
            let target = try await row(input.id("member_id"), context)
            try requireSelfOrManager(of: target, context)
            if let role = input.body.role, role != target.role {
                guard let mine = actorRole(context), mine >= .admin else { throw WorkspaceMembers.higherRole }
                _ = try await members.changeRole(of: target.userID, in: context.workspaceID, to: role, actorRole: mine, logger: context.logger)
                await log(.roleChanged, target.userID, input.client, context, ["from": .string(target.role.rawValue), "to": .string(role.rawValue)])
            }
            var changes = Assignments()
            changes.set("display_name", input.body.displayName.clearingTo(""))
            changes.set("title", input.body.title.clearingTo(""))
            changes.set("phone", input.body.phone.clearingTo(""))
            if !changes.isEmpty {
                changes.set("updated_at", to: Date())
                try await context.db.execute("UPDATE \(context.db.table("members")) SET \(changes) WHERE id = \(target.id)", logger: context.logger)
            }
            return try await member(target.id, context)
        }
        routes.tenant(Self.remove, .named("can_remove_member", scope: "admin")) { input, context in
            let target = try await removable(input.id("member_id"), context)
            _ = try await members.remove(userID: target.userID, from: context.workspaceID, logger: context.logger)
            await log(.memberRemoved, target.userID, input.client, context)
            return NoContent()
        }
        routes.tenant(Self.deletePermanently, .named("can_remove_member", scope: "admin")) { input, context in
            let target = try await removable(input.id("member_id"), context)
            let elsewhere = try await client.value(Int.self, """
                SELECT count(*)::int FROM control.workspace_members WHERE user_id = \(target.userID) AND workspace_id <> \(context.workspaceID)
                """, logger: context.logger) ?? 0
            guard elsewhere == 0 else { throw Self.otherWorkspaces }
            _ = try await members.remove(userID: target.userID, from: context.workspaceID, logger: context.logger)
            try await client.execute("""
                DELETE FROM control.users u WHERE id = \(target.userID) AND NOT EXISTS (SELECT 1 FROM control.workspace_members WHERE user_id = u.id)
                """, logger: context.logger)
            await log(.userDeleted, target.userID, input.client, context)
            return NoContent()
        }
    }

    // MARK: - Helpers

    private func row(_ id: UUID, _ context: TenantContext) async throws -> MemberRow {
        try await context.db.first(MemberRow.self, """
            SELECT \(MemberRow.columns) FROM \(context.db.table("members")) WHERE id = \(id)
            """, logger: context.logger).orNotFound(Self.notFound)
    }

    private func member(_ id: UUID, _ context: TenantContext) async throws -> Member {
        let row = try await row(id, context)
        return Member(row, avatarURL: try await avatarURLs([row], context.logger)[row.id])
    }

    private func myID(_ context: TenantContext) throws -> UUID {
        try context.memberID.orNotFound(Self.notFound)
    }

    /// A member's own picture, else their account's; one control query for the whole page.
    private func avatarURLs(_ rows: [MemberRow], _ logger: Logger) async throws -> [UUID: String] {
        var urls: [UUID: String] = [:]
        let missing = rows.filter { $0.avatarKey == nil }.map(\.userID)
        var accountKeys: [UUID: String] = [:]
        if !missing.isEmpty {
            struct Key: Row {
                let id: UUID
                let key: String
                init(row: RowReader) throws {
                    id = try row("id")
                    key = try row("avatar_key")
                }
            }
            for key in try await client.all(Key.self, """
                SELECT id, avatar_key FROM control.users WHERE id = ANY(\(missing)) AND avatar_key IS NOT NULL
                """, logger: logger) {
                accountKeys[key.id] = key.key
            }
        }
        for row in rows {
            if let key = row.avatarKey ?? accountKeys[row.userID] { urls[row.id] = avatars.url(forKey: key) }
        }
        return urls
    }

    /// The caller's rank: their role, or `admin` for a key with the admin scope.
    private func actorRole(_ context: TenantContext) -> Role? {
        switch context.principal {
        case .user: context.membership.role
        case .apiKey(let key): key.scopes.contains("admin") ? .admin : nil
        }
    }

    /// An admin (or owner) of the same or a higher role than `target`.
    private func requireManager(of target: MemberRow, _ context: TenantContext) throws {
        guard let mine = actorRole(context), mine >= .admin, mine >= target.role else { throw WorkspaceMembers.higherRole }
    }

    private func requireSelfOrManager(of target: MemberRow, _ context: TenantContext) throws {
        if case .user = context.principal, context.memberID == target.id { return }
        try requireManager(of: target, context)
    }

    /// A member an admin may take out: same or higher role, never the last owner.
    private func removable(_ id: UUID, _ context: TenantContext) async throws -> MemberRow {
        let target = try await row(id, context)
        try requireManager(of: target, context)
        if target.role == .owner, try await members.activeOwners(of: context.workspaceID, logger: context.logger) <= 1 {
            throw WorkspaceMembers.lastOwner
        }
        return target
    }

    private func log(_ action: AuditLog.Action, _ userID: UUID, _ info: ClientInfo, _ context: TenantContext, _ details: [String: JSONValue] = [:]) async {
        await audit.record(
            .init(action, actor: context.principal, workspaceID: context.workspaceID, target: ("user", userID.uuidString.lowercased()), details: details),
            client: info, logger: context.logger)
    }
}
