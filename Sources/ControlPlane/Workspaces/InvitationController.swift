import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Invitations (§3.5) and the admin side of a workspace's people: invite by email (an account is
/// made, without a password, for someone new), a link instead of a mail, resend, cancel; the
/// token's details and its acceptance; password resets an admin triggers; removing someone.
/// Everything here needs the same or a higher role than the person it touches.
struct InvitationController: Sendable {
    let client: PostgresClient
    let users: UserRepository
    let members: WorkspaceMembers
    let tokens: OneTimeTokens
    let outbox: Outbox
    let templates: MailTemplates
    let audit: AuditLog
    let sessions: SessionStore
    let hasher: PasswordHasher
    let accounts: AccountController
    let catalog: BillingCatalog

    static let alreadyMember = AppError.conflict("already_member", "This person is already a member of the workspace.")
    /// The body names someone without a pending invitation: a 422 (the path's workspace exists).
    static let noInvitation = AppError(
        .unprocessableContent, code: "invitation_not_found", message: "There is no pending invitation for this person.",
        details: .object(["fields": .object(["user_id": "has no pending invitation in this workspace"])]))
    static let passwordRequired = AppError.validation("Set a password to accept.", fields: ["password": "is required: this account has none yet"])

    static let invite = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/invite", "Invite someone by email (an account is created for a new address)",
        body: InvitationRequest.self, returns: RosterEntry.self, status: .created,
        errors: [ErrorCase(alreadyMember), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(Quota.example)])
    static let inviteLink = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/invite-link", "An invitation link to hand over yourself (no mail; replaces earlier links)",
        body: InvitationRequest.self, returns: InvitationLink.self, errors: [ErrorCase(alreadyMember), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(Quota.example)])
    static let resend = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/invite/resend", "Send a pending invitation again with a new link (by member_id or user_id)",
        body: InvitationTarget.self, returns: RosterEntry.self, errors: [ErrorCase(noInvitation)])
    static let cancel = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/invitations/cancel", "Cancel a pending invitation (its link stops working)",
        body: InvitationTarget.self, returns: Acknowledgement.self, errors: [ErrorCase(noInvitation)])
    static let details = Endpoint(
        .get, "/api/v1/workspaces/invitations/details", "What an invitation link is for, and whether a password must be set (the token is the authentication)",
        query: TokenQuery.self, returns: InvitationDetails.self, errors: OneTimeTokens.errors + [AccountController.throttled])
    static let accept = Endpoint(
        .post, "/api/v1/workspaces/invitations/accept", "Accept an invitation (with a password when the account has none); answers a session in that workspace",
        body: InvitationAcceptance.self, returns: AccountSession.self,
        errors: OneTimeTokens.errors + [AccountController.throttled, ErrorCase(WorkspaceMembers.tenantUnavailable)])
    static let resetPassword = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/members/{user_id}/reset-password", "Email a member a password reset link (valid 1 hour)",
        returns: Acknowledgement.self, errors: [ErrorCase(WorkspaceMembers.notMember), ErrorCase(WorkspaceMembers.higherRole)])
    static let resetPasswordLink = Endpoint(
        .post, "/api/v1/workspaces/{workspace_id}/members/{user_id}/reset-password-link", "A password reset link for a member, valid 24 hours (no mail)",
        returns: ResetLink.self, errors: [ErrorCase(WorkspaceMembers.notMember), ErrorCase(WorkspaceMembers.higherRole)])
    static let remove = Endpoint(
        .delete, "/api/v1/workspaces/{workspace_id}/members/{user_id}",
        "Remove someone: an invitation is cancelled, a member leaves both databases, and an account left in no workspace is deleted",
        returns: MemberRemoval.self,
        errors: [
            ErrorCase(WorkspaceMembers.notMember), ErrorCase(WorkspaceMembers.higherRole), ErrorCase(WorkspaceMembers.lastOwner),
            ErrorCase(WorkspaceMembers.tenantUnavailable),
        ])

    func addRoutes(to routes: RouteTable) {
        routes.workspace(Self.invite, .admin) { input, context in
            let (entry, token) = try await invitation(input.body, context)
            let inviter = try await users.find(context.principal.actingUserID ?? UUID(), logger: context.logger)?.fullName ?? ""
            let workspace = try await workspaceName(context.workspaceID, context.logger)
            try await outbox.enqueue(
                templates.invitation(to: entry.email, workspaceName: workspace, inviter: inviter, token: token), on: client, logger: context.logger)
            await log(.invitationSent, entry.userID, input.client, context, ["role": .string(entry.role.rawValue)])
            return entry
        }
        routes.workspace(Self.inviteLink, .admin) { input, context in
            let (entry, token) = try await invitation(input.body, context)
            await log(.invitationSent, entry.userID, input.client, context, ["role": .string(entry.role.rawValue), "link_only": true])
            return InvitationLink(
                invitation: entry, url: templates.link("/invitations/accept", [("token", token)]),
                expiresAt: Date().addingTimeInterval(OneTimeTokens.Kind.invitation.lifetime.inSeconds))
        }
        routes.workspace(Self.resend, .admin) { input, context in
            let entry = try await pending(input.body, context)
            let token = try await tokens.issue(
                .invitation, userID: entry.userID, workspaceID: context.workspaceID, createdBy: context.principal.actingUserID, on: client,
                logger: context.logger)
            let inviter = try await users.find(context.principal.actingUserID ?? UUID(), logger: context.logger)?.fullName ?? ""
            try await outbox.enqueue(
                templates.invitation(to: entry.email, workspaceName: try await workspaceName(context.workspaceID, context.logger), inviter: inviter, token: token),
                on: client, logger: context.logger)
            return entry
        }
        routes.workspace(Self.cancel, .admin) { input, context in
            let entry = try await pending(input.body, context)
            try await requireRank(over: entry.role, context)
            try await client.transaction(logger: context.logger) { connection in
                try await tokens.revokeAll(.invitation, userID: entry.userID, workspaceID: context.workspaceID, on: connection, logger: context.logger)
                try await connection.execute("""
                    DELETE FROM control.workspace_members WHERE workspace_id = \(context.workspaceID) AND user_id = \(entry.userID) AND status = 'invited'
                    """, logger: context.logger)
            }
            await log(.invitationCancelled, entry.userID, input.client, context)
            return Acknowledgement(message: "The invitation is cancelled.")
        }
        routes.open(Self.details) { input, context in
            try await accounts.secrets.guarding(.secrets, input.client.throttleKey, logger: context.logger) {
                let grant = try await tokens.peek(.invitation, input.query.token, logger: context.logger)
                guard let workspaceID = grant.workspaceID,
                      let details = try await client.first(InvitationDetails.self, """
                        SELECT w.id AS workspace_id, w.name AS workspace_name, u.email, u.full_name, m.role, u.password_hash IS NULL AS password_required,
                               (SELECT full_name FROM control.users WHERE id = m.invited_by) AS invited_by
                        FROM control.workspace_members m
                        JOIN control.workspaces w ON w.id = m.workspace_id JOIN control.users u ON u.id = m.user_id
                        WHERE m.workspace_id = \(workspaceID) AND m.user_id = \(grant.userID) AND m.status = 'invited'
                        """, logger: context.logger)
                else { throw OneTimeTokens.invalid }
                return details
            }
        }
        routes.open(Self.accept) { input, context in
            let body = input.body
            let hash = try await body.password.asyncMap { try await hasher.hash($0) }
            let grant = try await accounts.spend(.invitation, body.token, input.client, context.logger) { grant, connection in
                guard let workspaceID = grant.workspaceID,
                      let role = try await connection.value(String.self, """
                        SELECT role FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(grant.userID) AND status = 'invited'
                        """, logger: context.logger).flatMap(Role.init(rawValue:))
                else { throw OneTimeTokens.invalid }
                let user = try await users.find(grant.userID, on: connection, logger: context.logger).orNotFound(OneTimeTokens.invalid)
                if !user.hasPassword {
                    guard let hash else { throw Self.passwordRequired }
                    try await users.setPassword(grant.userID, hash: hash, on: connection, logger: context.logger)
                }
                if let name = body.fullName, user.fullName.isEmpty {
                    try await connection.execute("UPDATE control.users SET full_name = \(name) WHERE id = \(grant.userID)", logger: context.logger)
                }
                // The membership joins both databases before the token is spent (this transaction
                // commits after): a failure leaves the invitation usable.
                try await members.add(userID: grant.userID, to: workspaceID, role: role, logger: context.logger)
            }
            guard let workspaceID = grant.workspaceID else { throw OneTimeTokens.invalid }
            let userID = grant.userID
            await audit.record(.init(.invitationAccepted, actor: .user(id: userID), workspaceID: workspaceID, target: ("user", userID.uuidString.lowercased())),
                               client: input.client, logger: context.logger)
            return AccountSession(
                try await sessions.issue(userID: userID, workspace: workspaceID, logger: context.logger), userID: userID, workspaceID: workspaceID)
        }
        routes.workspace(Self.resetPassword, .admin) { input, context in
            let target = try await memberToManage(input.id("user_id"), context)
            try await client.transaction(logger: context.logger) { connection in
                let token = try await tokens.issue(.passwordReset, userID: target.userID, createdBy: context.principal.actingUserID, on: connection, logger: context.logger)
                try await outbox.enqueue(templates.passwordReset(to: target.email, token: token, validFor: "1 hour"), on: connection, logger: context.logger)
            }
            await log(.passwordResetRequested, target.userID, input.client, context, ["by_admin": true])
            return Acknowledgement(message: "A password reset link is on its way to \(target.email).")
        }
        routes.workspace(Self.resetPasswordLink, .admin) { input, context in
            let target = try await memberToManage(input.id("user_id"), context)
            let lifetime = Duration.seconds(24 * 3600)
            let token = try await tokens.issue(
                .passwordReset, userID: target.userID, createdBy: context.principal.actingUserID, lifetime: lifetime, on: client, logger: context.logger)
            await log(.passwordResetRequested, target.userID, input.client, context, ["by_admin": true, "link_only": true])
            return ResetLink(url: templates.link("/reset-password", [("token", token)]), expiresAt: Date().addingTimeInterval(lifetime.inSeconds))
        }
        routes.workspace(Self.remove, .admin) { input, context in
            let userID = input.id("user_id")
            let target = try await rosterEntry(userID, context).orNotFound(WorkspaceMembers.notMember)
            try await requireRank(over: target.role, context)
            if target.role == .owner, target.status == "active", try await members.activeOwners(of: context.workspaceID, logger: context.logger) <= 1 {
                throw WorkspaceMembers.lastOwner
            }
            let removal = try await members.remove(userID: userID, from: context.workspaceID, logger: context.logger)
            if removal == .invitation {
                try await tokens.revokeAll(.invitation, userID: userID, workspaceID: context.workspaceID, on: client, logger: context.logger)
            }
            // Case 3: an account that belongs nowhere any more, and never set a password or only
            // ever belonged here, goes too.
            let deleted = try await client.execute("""
                DELETE FROM control.users u WHERE u.id = \(userID) AND u.is_staff = false AND u.is_superuser = false
                  AND NOT EXISTS (SELECT 1 FROM control.workspace_members WHERE user_id = u.id)
                RETURNING id
                """, logger: context.logger) == 1
            await log(.memberRemoved, userID, input.client, context, ["was": .string(target.status), "user_deleted": .bool(deleted)])
            return MemberRemoval(userID: userID, removed: removal == .invitation ? "invitation" : "member", userDeleted: deleted)
        }
    }

    /// Records (or renews) an invitation: an account for a new address, a control row `invited`,
    /// and a fresh token (earlier ones for this person and workspace stop working).
    private func invitation(_ request: InvitationRequest, _ context: WorkspaceContext) async throws -> (RosterEntry, String) {
        try await requireRank(over: request.role, context)
        let quota = try await catalog.quota(.members, workspace: context.workspaceID, logger: context.logger)
        return try await client.transaction(logger: context.logger) { connection in
            var user = try await connection.first(UserRecord.self, """
                SELECT \(UserRecord.columns) FROM control.users WHERE lower(email) = lower(\(request.email)) FOR UPDATE
                """, logger: context.logger)
            if user == nil {
                user = try await users.create(
                    email: request.email, fullName: request.fullName ?? "", passwordHash: nil, status: "pending", on: connection, logger: context.logger)
            }
            let userID = user!.id
            // An invitation takes a seat; renewing one does not take another.
            let entry = try await connection.first(RosterEntry.self, """
                WITH \(quota.lock), upserted AS (
                    INSERT INTO control.workspace_members (workspace_id, user_id, role, status, invited_by)
                    SELECT \(context.workspaceID), \(userID), \(request.role.rawValue), 'invited', \(context.principal.actingUserID)
                    WHERE \(quota.allows())
                       OR EXISTS (SELECT 1 FROM control.workspace_members WHERE workspace_id = \(context.workspaceID) AND user_id = \(userID))
                    ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by, updated_at = now()
                    WHERE workspace_members.status = 'invited'
                    RETURNING user_id, role, status, member_id, invited_by, created_at
                )
                SELECT x.user_id, u.email, u.full_name, x.role, x.status, x.member_id, x.invited_by, x.created_at
                FROM upserted x JOIN control.users u ON u.id = x.user_id
                """, logger: context.logger)
            guard let entry else {
                let seated = try await connection.value(Bool.self, """
                    SELECT true FROM control.workspace_members WHERE workspace_id = \(context.workspaceID) AND user_id = \(userID)
                    """, logger: context.logger) == true
                throw seated ? Self.alreadyMember : try await quota.refusal(on: connection, logger: context.logger)
            }
            // The user's status stays `pending` until they set a password: `accept` activates.
            let token = try await tokens.issue(
                .invitation, userID: userID, workspaceID: context.workspaceID, createdBy: context.principal.actingUserID, on: connection,
                logger: context.logger)
            return (entry, token)
        }
    }

    private func pending(_ target: InvitationTarget, _ context: WorkspaceContext) async throws -> RosterEntry {
        let entry = try await client.first(RosterEntry.self, """
            SELECT m.user_id, u.email, u.full_name, m.role, m.status, m.member_id, m.invited_by, m.created_at
            FROM control.workspace_members m JOIN control.users u ON u.id = m.user_id
            WHERE m.workspace_id = \(context.workspaceID) AND m.status = 'invited'
              AND (m.user_id = \(target.userID) OR m.member_id = \(target.memberID) OR lower(u.email) = lower(\(target.email)))
            LIMIT 1
            """, logger: context.logger)
        return try entry.orNotFound(Self.noInvitation)
    }

    private func rosterEntry(_ userID: UUID, _ context: WorkspaceContext) async throws -> RosterEntry? {
        try await client.first(RosterEntry.self, """
            SELECT m.user_id, u.email, u.full_name, m.role, m.status, m.member_id, m.invited_by, m.created_at
            FROM control.workspace_members m JOIN control.users u ON u.id = m.user_id
            WHERE m.workspace_id = \(context.workspaceID) AND m.user_id = \(userID) AND m.status IN ('invited', 'active')
            """, logger: context.logger)
    }

    /// An active member the caller may manage (same or higher role).
    private func memberToManage(_ userID: UUID, _ context: WorkspaceContext) async throws -> RosterEntry {
        guard let entry = try await rosterEntry(userID, context), entry.status == "active" else { throw WorkspaceMembers.notMember }
        try await requireRank(over: entry.role, context)
        return entry
    }

    /// "Same or higher role": a key with `admin` scope ranks as an admin.
    private func requireRank(over role: Role, _ context: WorkspaceContext) async throws {
        let mine = context.membership.role ?? .admin
        guard mine >= role else { throw WorkspaceMembers.higherRole }
    }

    private func workspaceName(_ id: UUID, _ logger: Logger) async throws -> String {
        try await client.value(String.self, "SELECT name FROM control.workspaces WHERE id = \(id)", logger: logger) ?? ""
    }

    private func log(_ action: AuditLog.Action, _ userID: UUID, _ info: ClientInfo, _ context: WorkspaceContext, _ details: [String: JSONValue] = [:]) async {
        await audit.record(
            .init(action, actor: context.principal, workspaceID: context.workspaceID, target: ("user", userID.uuidString.lowercased()), details: details),
            client: info, logger: context.logger)
    }
}
