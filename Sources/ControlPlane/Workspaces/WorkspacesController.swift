import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// `/workspaces`: yours, one, a new one (provisioned by a job that streams like signup), renamed,
/// switched to; staff provisioning for someone else; the roster with pending invitations.
/// Routes under `/workspaces/{workspace_id}` are scoped by that id (not by `X-Workspace-Id`).
struct WorkspacesController: Sendable {
    let client: PostgresClient
    let queue: JobQueue
    let migrator: any TenantMigrating
    let users: UserRepository
    let sessions: SessionStore
    let tokens: OneTimeTokens
    let outbox: Outbox
    let templates: MailTemplates
    let audit: AuditLog
    let jobs: JobStreamController
    let trial: Trial

    static let list = Endpoint(.get, "/api/v1/workspaces", "Your workspaces", query: Page.self, returns: ListResponse<Workspace>.self,
                               errors: [ErrorCase(AuthController.userRequired)])
    static let show = Endpoint(.get, "/api/v1/workspaces/{workspace_id}", "A workspace you belong to", returns: Workspace.self)
    static let create = Endpoint(
        .post, "/api/v1/workspaces", "Create a workspace; it is provisioned by a job (follow `stream_url`) and you are its owner",
        body: NewWorkspace.self, query: CreateWorkspaceQuery.self, returns: CreatedWorkspace.self, status: .created,
        errors: [ErrorCase(AuthController.userRequired)])
    static let update = Endpoint(
        .patch, "/api/v1/workspaces/{workspace_id}", "Rename a workspace (owners and admins)", body: WorkspaceChange.self, returns: Workspace.self)
    static let switchTo = Endpoint(
        .post, "/api/v1/workspaces/switch", "A new session bound to one of your workspaces (requests that name none go there)",
        body: WorkspaceChoice.self, returns: AccountSession.self, errors: [ErrorCase(AppError.workspaceForbidden), ErrorCase(AuthController.userRequired)])
    static let provision = Endpoint(
        .post, "/api/v1/workspaces/provision", "Provision a workspace for an owner, creating their account if needed (staff only)",
        body: StaffProvisioning.self, returns: ProvisionedWorkspace.self, errors: [ErrorCase(ImpersonationController.staffOnly)])
    static let roster = Endpoint(
        .get, "/api/v1/workspaces/{workspace_id}/members", "The workspace's members and pending invitations", query: Page.self,
        returns: ListResponse<RosterEntry>.self)
    static let job = Endpoint(
        .get, "/api/v1/workspaces/jobs/{job_id}", "A workspace provisioning job's state (the job id is the secret)", returns: JobSnapshot.self,
        errors: [ErrorCase(JobStreamController.notFound)])
    static let jobStream = Endpoint(
        .get, "/api/v1/workspaces/jobs/{job_id}/stream", "A workspace provisioning job's progress as Server-Sent Events", query: StreamPosition.self,
        returns: EventStream.self, errors: [ErrorCase(JobStreamController.notFound)])

    func addRoutes(to routes: RouteTable) {
        routes.authenticated(Self.list) { input, context in
            try await client.list(Workspace.self, Self.mine(try context.userID()), orderBy: "created_at, id", page: input.query, logger: context.logger)
        }
        routes.workspace(Self.show, .member) { _, context in
            try await workspace(context.workspaceID, role: context.membership.role, context.logger)
        }
        routes.authenticated(Self.create) { input, context in
            let owner = try context.userID()
            let id = UUID()
            let ticket = try await client.transaction(logger: context.logger) { connection in
                try await connection.execute("""
                    INSERT INTO control.workspaces (id, name, slug, schema_name, created_by)
                    VALUES (\(id), \(input.body.name), \(SignupPayload.slug(for: input.body.name, id: id)), \(migrator.schemaName(of: id)), \(owner))
                    """, logger: context.logger)
                try await connection.execute(try Subscriptions.open(id, trial: trial).query, logger: context.logger)
                _ = try await migrator.claimWarmSchema(for: id, on: connection, logger: context.logger)
                return try await enqueue(id, owner: owner, on: connection, context.logger)
            }
            await audit.record(.init(.workspaceCreated, actor: context.principal, workspaceID: id), client: input.client, logger: context.logger)
            return CreatedWorkspace(workspace: try await workspace(id, role: .owner, context.logger), ticket: ticket)
        }
        routes.workspace(Self.update, .admin) { input, context in
            if case .value(let name) = input.body.name {
                try await client.execute("""
                    UPDATE control.workspaces SET name = \(name), updated_at = now() WHERE id = \(context.workspaceID)
                    """, logger: context.logger)
                await audit.record(.init(.workspaceUpdated, actor: context.principal, workspaceID: context.workspaceID, details: ["name": .string(name)]),
                                   client: input.client, logger: context.logger)
            }
            return try await workspace(context.workspaceID, role: context.membership.role, context.logger)
        }
        routes.authenticated(Self.switchTo) { input, context in
            let userID = try context.userID()
            let workspaceID = input.body.workspaceID
            guard try await client.value(Bool.self, """
                SELECT true FROM control.workspace_members m JOIN control.workspaces w ON w.id = m.workspace_id
                WHERE m.workspace_id = \(workspaceID) AND m.user_id = \(userID) AND m.status = 'active' AND w.status = 'active'
                """, logger: context.logger) == true
            else { throw AppError.workspaceForbidden }
            let session = try await sessions.issue(userID: userID, workspace: workspaceID, logger: context.logger)
            return AccountSession(session, userID: userID, workspaceID: workspaceID)
        }
        routes.authenticated(Self.provision) { input, context in
            let staffID = try context.userID()
            guard try await users.isStaff(staffID, logger: context.logger) else {
                throw ImpersonationController.staffOnly
            }
            return try await provisionForOwner(input.body, staff: staffID, input.client, context)
        }
        routes.workspace(Self.roster, .member) { input, context in
            try await client.list(RosterEntry.self, """
                FROM (SELECT m.user_id, u.email, u.full_name, m.role, m.status, m.member_id, m.invited_by, m.created_at
                      FROM control.workspace_members m JOIN control.users u ON u.id = m.user_id
                      WHERE m.workspace_id = \(context.workspaceID) AND m.status IN ('invited', 'active')) roster
                """, orderBy: "status, created_at, user_id", page: input.query, logger: context.logger)
        }
        routes.open(Self.job) { input, context in
            try await jobs.snapshot(input.id("job_id"), kind: ProvisionWorkspaceJob.kind, logger: context.logger)
        }
        routes.open(Self.jobStream) { input, context in
            _ = try await jobs.snapshot(input.id("job_id"), kind: ProvisionWorkspaceJob.kind, logger: context.logger)
            return jobs.eventStream(of: input.id("job_id"), input: input, logger: context.logger)
        }
    }

    /// `FROM … WHERE …` for a user's workspaces, with their role and member count.
    static func mine(_ userID: UUID) -> SQLFragment {
        """
        FROM (SELECT w.id, w.name, w.slug, w.status, w.schema_version, m.role, w.created_at,
                     (SELECT count(*)::int FROM control.workspace_members c WHERE c.workspace_id = w.id AND c.status = 'active') AS member_count
              FROM control.workspace_members m JOIN control.workspaces w ON w.id = m.workspace_id
              WHERE m.user_id = \(userID) AND m.status = 'active' AND w.status <> 'archived') mine
        """
    }

    func workspace(_ id: UUID, role: Role?, _ logger: Logger) async throws -> Workspace {
        try await client.first(Workspace.self, """
            SELECT w.id, w.name, w.slug, w.status, w.schema_version, \(role?.rawValue) AS role, w.created_at,
                   (SELECT count(*)::int FROM control.workspace_members c WHERE c.workspace_id = w.id AND c.status = 'active') AS member_count
            FROM control.workspaces w WHERE w.id = \(id)
            """, logger: logger).orNotFound(AppError.workspaceForbidden)
    }

    /// Queued in the transaction that creates the workspace row: both exist or neither.
    private func enqueue(_ workspaceID: UUID, owner: UUID, on connection: PostgresConnection, _ logger: Logger) async throws -> JobTicket {
        let job = try await queue.enqueue(
            ProvisionWorkspaceJob.self, .init(workspaceID: workspaceID, ownerUserID: owner), workspaceID: workspaceID, on: connection, logger: logger)
        return JobTicket(jobID: job.id, status: Self.job, stream: Self.jobStream)
    }

    /// §3.4: the owner's account (created pending, with an activation email, if absent), the
    /// workspace, and the job that provisions it and makes them its owner.
    private func provisionForOwner(
        _ request: StaffProvisioning, staff: UUID, _ info: ClientInfo, _ context: AuthenticatedContext
    ) async throws -> ProvisionedWorkspace {
        let logger = context.logger
        let workspaceID = UUID()
        let (owner, created, ticket) = try await client.transaction(logger: logger) { connection in
            var owner = try await connection.first(UserRecord.self, """
                SELECT \(UserRecord.columns) FROM control.users WHERE lower(email) = lower(\(request.ownerEmail)) FOR UPDATE
                """, logger: logger)
            let created = owner == nil
            if owner == nil {
                owner = try await users.create(
                    email: request.ownerEmail, fullName: request.ownerName, passwordHash: nil, status: "pending", on: connection, logger: logger)
            }
            let ownerID = owner!.id
            try await connection.execute("""
                INSERT INTO control.workspaces (id, name, slug, schema_name, created_by)
                VALUES (\(workspaceID), \(request.workspaceName), \(SignupPayload.slug(for: request.workspaceName, id: workspaceID)),
                        \(migrator.schemaName(of: workspaceID)), \(staff))
                """, logger: logger)
            try await connection.execute(try Subscriptions.open(workspaceID, trial: trial).query, logger: logger)
            _ = try await migrator.claimWarmSchema(for: workspaceID, on: connection, logger: logger)
            if created {
                let token = try await tokens.issue(.activation, userID: ownerID, workspaceID: workspaceID, on: connection, logger: logger)
                try await outbox.enqueue(
                    templates.activation(to: request.ownerEmail, name: request.ownerName, workspace: (workspaceID, request.workspaceName), token: token),
                    on: connection, logger: logger)
            }
            return (owner!, created, try await enqueue(workspaceID, owner: ownerID, on: connection, logger))
        }
        await audit.record(
            .init(.workspaceCreated, actor: context.principal, workspaceID: workspaceID, target: ("user", owner.id.uuidString.lowercased()),
                  details: ["provisioned_by_staff": true, "owner_created": .bool(created)]),
            client: info, logger: logger)
        return ProvisionedWorkspace(workspaceID: workspaceID, ownerUserID: owner.id, ownerCreated: created, ticket: ticket)
    }
}
