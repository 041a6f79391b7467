import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// `/teams` (§2.4): hierarchical teams (a parent never becomes its own descendant) and their
/// members with team roles. Creating and deleting need `can_create_team` / `can_delete_team`.
struct TeamController: Sendable {
    static let notFound = AppError.notFound("team_not_found", "No team with this id in this workspace.")
    static let memberNotFound = AppError.notFound("member_not_found", "This member is not in the team.")
    static let nameTaken = AppError.conflict("team_name_taken", "Another team has this name.")
    static let cycle = AppError.validation("A team cannot sit under itself.", fields: ["parent_team_id": "would make a cycle"])
    static let unknownParent = AppError.validation("The parent team does not exist.", fields: ["parent_team_id": "is not a team of this workspace"])
    static let unknownMember = AppError.validation("Choose a member of this workspace.", fields: ["member_id": "is not an active member"])
    static let alreadyIn = AppError.conflict("already_in_team", "This member is already in the team.")

    static let list = Endpoint(.get, "/api/v1/teams", "Teams (search, is_active, parent_team_id)", query: Team.Filter.self, returns: TeamList.self)
    static let show = Endpoint(.get, "/api/v1/teams/{team_id}", "A team", returns: Team.self, errors: [ErrorCase(notFound)])
    static let members = Endpoint(.get, "/api/v1/teams/{team_id}/members", "A team's members", returns: TeamMembers.self, errors: [ErrorCase(notFound)])
    static let create = Endpoint(
        .post, "/api/v1/teams", "Create a team", body: Team.New.self, returns: Team.self, status: .created,
        errors: [ErrorCase(nameTaken), ErrorCase(unknownParent)])
    static let addMember = Endpoint(
        .post, "/api/v1/teams/{team_id}/members", "Add a member to a team", body: TeamMember.New.self, returns: TeamMember.self, status: .created,
        errors: [ErrorCase(notFound), ErrorCase(unknownMember), ErrorCase(alreadyIn)])
    static let update = Endpoint(
        .patch, "/api/v1/teams/{team_id}", "Rename, describe, move or (de)activate a team", body: Team.Change.self, returns: Team.self,
        errors: [ErrorCase(notFound), ErrorCase(nameTaken), ErrorCase(unknownParent)])
    static let changeMember = Endpoint(
        .patch, "/api/v1/teams/{team_id}/members/{member_id}", "Change a member's role in a team (lead or member)", body: TeamMember.Change.self,
        returns: TeamMember.self, errors: [ErrorCase(notFound), ErrorCase(memberNotFound)])
    static let delete = Endpoint(
        .delete, "/api/v1/teams/{team_id}", "Delete a team (its sub-teams move up to its parent)", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound)])
    static let removeMember = Endpoint(
        .delete, "/api/v1/teams/{team_id}/members/{member_id}", "Take a member out of a team", returns: NoContent.self, status: .noContent,
        errors: [ErrorCase(notFound), ErrorCase(memberNotFound)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, .member) { input, context in
            let filter = input.query
            let pattern = LikePattern.containing(filter.search)
            return TeamList(items: try await context.db.all(Team.self, """
                SELECT t.*, (SELECT count(*)::int FROM \(context.db.table("team_members")) x WHERE x.team_id = t.id) AS member_count
                FROM \(context.db.table("teams")) t
                WHERE (\(pattern)::text IS NULL OR name ILIKE \(pattern))
                  AND (\(filter.isActive)::bool IS NULL OR is_active = \(filter.isActive))
                  AND (\(filter.parentTeamID)::uuid IS NULL OR parent_team_id = \(filter.parentTeamID))
                ORDER BY lower(name), id
                """, logger: context.logger))
        }
        routes.tenant(Self.show, .member) { input, context in
            try await team(input.id("team_id"), context)
        }
        routes.tenant(Self.members, .member) { input, context in
            let id = try await team(input.id("team_id"), context).id
            return TeamMembers(items: try await context.db.all(TeamMember.self, """
                SELECT t.member_id, m.email, m.full_name, t.role, t.created_at AS joined_at
                FROM \(context.db.table("team_members")) t JOIN \(context.db.table("members")) m ON m.id = t.member_id
                WHERE t.team_id = \(id) ORDER BY t.role, lower(m.full_name), m.id
                """, logger: context.logger))
        }
        routes.tenant(Self.create, .named("can_create_team", scope: "admin")) { input, context in
            if let parent = input.body.parentTeamID { _ = try await team(parent, context, missing: Self.unknownParent) }
            let id = try await unique {
                try await context.db.value(UUID.self, """
                    INSERT INTO \(context.db.table("teams")) (name, description, parent_team_id, created_by)
                    VALUES (\(input.body.name), \(input.body.description ?? ""), \(input.body.parentTeamID), \(context.memberID))
                    RETURNING id
                    """, logger: context.logger)!
            }
            return try await team(id, context)
        }
        routes.tenant(Self.update, .named("can_edit_team", scope: "admin")) { input, context in
            let id = try await team(input.id("team_id"), context).id
            if case .value(let parent) = input.body.parentTeamID { try await checkParent(parent, for: id, context) }
            var changes = Assignments()
            changes.set("name", input.body.name)
            changes.set("description", input.body.description.clearingTo(""))
            changes.set("parent_team_id", input.body.parentTeamID)
            changes.set("is_active", input.body.isActive)
            if !changes.isEmpty {
                changes.setNow("updated_at")
                try await unique {
                    try await context.db.execute("UPDATE \(context.db.table("teams")) SET \(changes) WHERE id = \(id)", logger: context.logger)
                }
            }
            return try await team(id, context)
        }
        routes.tenant(Self.delete, .named("can_delete_team", scope: "admin")) { input, context in
            let id = input.id("team_id")
            try await context.db.transaction(logger: context.logger) { transaction in
                // Sub-teams move up to the deleted team's parent instead of losing their place.
                try await transaction.execute("""
                    UPDATE \(transaction.table("teams")) c SET parent_team_id = p.parent_team_id, updated_at = now()
                    FROM \(transaction.table("teams")) p WHERE p.id = \(id) AND c.parent_team_id = p.id
                    """, logger: context.logger)
                guard try await transaction.execute("DELETE FROM \(transaction.table("teams")) WHERE id = \(id) RETURNING id", logger: context.logger) == 1 else {
                    throw Self.notFound
                }
            }
            return NoContent()
        }
        routes.tenant(Self.addMember, .named("can_edit_team", scope: "admin")) { input, context in
            let id = try await team(input.id("team_id"), context).id
            guard try await context.db.value(Bool.self, """
                SELECT true FROM \(context.db.table("members")) WHERE id = \(input.body.memberID) AND status = 'active'
                """, logger: context.logger) == true
            else { throw Self.unknownMember }
            guard try await context.db.execute("""
                INSERT INTO \(context.db.table("team_members")) (team_id, member_id, role)
                VALUES (\(id), \(input.body.memberID), \((input.body.role ?? .member).rawValue))
                ON CONFLICT DO NOTHING RETURNING member_id
                """, logger: context.logger) == 1
            else { throw Self.alreadyIn }
            return try await teamMember(id, input.body.memberID, context)
        }
        routes.tenant(Self.changeMember, .named("can_edit_team", scope: "admin")) { input, context in
            let id = try await team(input.id("team_id"), context).id
            guard try await context.db.execute("""
                UPDATE \(context.db.table("team_members")) SET role = \(input.body.role.rawValue)
                WHERE team_id = \(id) AND member_id = \(input.id("member_id")) RETURNING member_id
                """, logger: context.logger) == 1
            else { throw Self.memberNotFound }
            return try await teamMember(id, input.id("member_id"), context)
        }
        routes.tenant(Self.removeMember, .named("can_edit_team", scope: "admin")) { input, context in
            let id = try await team(input.id("team_id"), context).id
            guard try await context.db.execute("""
                DELETE FROM \(context.db.table("team_members")) WHERE team_id = \(id) AND member_id = \(input.id("member_id")) RETURNING member_id
                """, logger: context.logger) == 1
            else { throw Self.memberNotFound }
            return NoContent()
        }
    }

    private func team(_ id: UUID, _ context: TenantContext, missing: AppError = TeamController.notFound) async throws -> Team {
        try await context.db.first(Team.self, """
            SELECT t.*, (SELECT count(*)::int FROM \(context.db.table("team_members")) x WHERE x.team_id = t.id) AS member_count
            FROM \(context.db.table("teams")) t WHERE t.id = \(id)
            """, logger: context.logger).orNotFound(missing)
    }

    private func teamMember(_ team: UUID, _ member: UUID, _ context: TenantContext) async throws -> TeamMember {
        try await context.db.first(TeamMember.self, """
            SELECT t.member_id, m.email, m.full_name, t.role, t.created_at AS joined_at
            FROM \(context.db.table("team_members")) t JOIN \(context.db.table("members")) m ON m.id = t.member_id
            WHERE t.team_id = \(team) AND t.member_id = \(member)
            """, logger: context.logger).orNotFound(Self.memberNotFound)
    }

    /// The new parent exists and is not the team or one of its descendants.
    private func checkParent(_ parent: UUID, for id: UUID, _ context: TenantContext) async throws {
        _ = try await team(parent, context, missing: Self.unknownParent)
        let loops = try await context.db.value(Bool.self, """
            WITH RECURSIVE up(id, parent_team_id) AS (
                SELECT id, parent_team_id FROM \(context.db.table("teams")) WHERE id = \(parent)
                UNION
                SELECT t.id, t.parent_team_id FROM \(context.db.table("teams")) t JOIN up ON t.id = up.parent_team_id
            )
            SELECT EXISTS (SELECT 1 FROM up WHERE id = \(id))
            """, logger: context.logger)
        if loops == true { throw Self.cycle }
    }

    /// A unique-name violation answers `team_name_taken`.
    private func unique<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.nameTaken
        }
    }
}
