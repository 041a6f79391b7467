import Foundation
import PlatformCore

/// `/recordsets/{recordset_slug}/access`: who else may reach a recordset, granted and revoked by
/// its admins (workspace owners and admins, the recordset's owner, a `can_admin` grantee).
struct AccessGrantController {
    static let grantNotFound = AppError.notFound("grant_not_found", "This member or team has no grant on this recordset.")
    static let unknownGrantee = AppError.validation(
        "Grant to an active member or an existing team of this workspace.", fields: ["member_id": "is not an active member", "team_id": "is not a team"])

    static let list = Endpoint(
        .get, "/api/v1/recordsets/{recordset_slug}/access", "A recordset's grants", returns: AccessGrantList.self,
        errors: [ErrorCase(RecordsetController.notFound), RecordsetController.denied])
    static let grant = Endpoint(
        .post, "/api/v1/recordsets/{recordset_slug}/access", "Grant a member or a team access (again: replace its levels)",
        body: AccessGrant.New.self, returns: AccessGrant.self, status: .created,
        errors: [ErrorCase(RecordsetController.notFound), RecordsetController.denied])
    static let revokeMember = Endpoint(
        .delete, "/api/v1/recordsets/{recordset_slug}/access/members/{member_id}", "Revoke a member's grant", returns: NoContent.self,
        status: .noContent, errors: [ErrorCase(RecordsetController.notFound), RecordsetController.denied, ErrorCase(grantNotFound)])
    static let revokeTeam = Endpoint(
        .delete, "/api/v1/recordsets/{recordset_slug}/access/teams/{team_id}", "Revoke a team's grant", returns: NoContent.self,
        status: .noContent, errors: [ErrorCase(RecordsetController.notFound), RecordsetController.denied, ErrorCase(grantNotFound)])

    func addRoutes(to routes: RouteTable) {
        routes.tenant(Self.list, RecordsetController.view) { input, context in
            let recordset = try await RecordsetRepository(context).require(input.recordset, .canAdmin).recordset
            return AccessGrantList(items: try await grants(recordset.id, nil, context))
        }
        routes.tenant(Self.grant, RecordsetController.edit) { input, context in
            let recordset = try await RecordsetRepository(context).require(input.recordset, .canAdmin).recordset
            let new = input.body
            let db = context.db
            let exists = try await db.value(Bool.self, """
                SELECT EXISTS (SELECT 1 FROM \(db.table("members")) WHERE id = \(new.memberID) AND status = 'active')
                    OR EXISTS (SELECT 1 FROM \(db.table("teams")) WHERE id = \(new.teamID))
                """, logger: context.logger)
            guard exists == true else { throw Self.unknownGrantee }
            let levels = (new.levels ?? AccessLevels(canView: true)).normalized
            let conflict: SQLFragment = new.memberID != nil ? "(recordset_id, member_id)" : "(recordset_id, team_id)"
            let id = try await db.value(UUID.self, try """
                INSERT INTO \(db.table("recordset_access"))
                    (recordset_id, member_id, team_id, can_view, can_create, can_edit, can_edit_own, can_delete, can_delete_own, can_admin, granted_by)
                VALUES (\(recordset.id), \(new.memberID), \(new.teamID), \(levels.canView), \(levels.canCreate), \(levels.canEdit),
                        \(levels.canEditOwn), \(levels.canDelete), \(levels.canDeleteOwn), \(levels.canAdmin), \(context.memberID))
                ON CONFLICT \(conflict) DO UPDATE SET
                    can_view = EXCLUDED.can_view, can_create = EXCLUDED.can_create, can_edit = EXCLUDED.can_edit,
                    can_edit_own = EXCLUDED.can_edit_own, can_delete = EXCLUDED.can_delete, can_delete_own = EXCLUDED.can_delete_own,
                    can_admin = EXCLUDED.can_admin, granted_by = EXCLUDED.granted_by, updated_at = now()
                RETURNING id
                """, logger: context.logger)!
            return try await grants(recordset.id, id, context)[0]
        }
        routes.tenant(Self.revokeMember, RecordsetController.edit) { input, context in
            try await revoke(input.recordset, "member_id = \(input.id("member_id"))", context)
        }
        routes.tenant(Self.revokeTeam, RecordsetController.edit) { input, context in
            try await revoke(input.recordset, "team_id = \(input.id("team_id"))", context)
        }
    }

    private func grants(_ recordset: UUID, _ id: UUID?, _ context: TenantContext) async throws -> [AccessGrant] {
        let db = context.db
        return try await db.all(AccessGrant.self, """
            SELECT a.*, coalesce(nullif(m.full_name, ''), m.email, t.name) AS grantee
            FROM \(db.table("recordset_access")) a
            LEFT JOIN \(db.table("members")) m ON m.id = a.member_id
            LEFT JOIN \(db.table("teams")) t ON t.id = a.team_id
            WHERE a.recordset_id = \(recordset) AND (\(id)::uuid IS NULL OR a.id = \(id))
            ORDER BY a.created_at, a.id
            """, logger: context.logger)
    }

    private func revoke(_ key: RecordsetKey, _ grantee: SQLFragment, _ context: TenantContext) async throws -> NoContent {
        let recordset = try await RecordsetRepository(context).require(key, .canAdmin).recordset
        guard try await context.db.execute(try """
            DELETE FROM \(context.db.table("recordset_access")) WHERE recordset_id = \(recordset.id) AND \(grantee) RETURNING id
            """, logger: context.logger) == 1
        else { throw Self.grantNotFound }
        return NoContent()
    }
}
