@_spi(TenantProvisioning) import PlatformCore
import Foundation
import Logging
import PostgresNIO

/// Membership lives in both databases: `control.workspace_members` says who may enter a workspace
/// and as what; the tenant's `members` row is the identity tenant rows refer to. The two cannot
/// share a transaction (the tenant may sit on another server), so every change is a small saga:
/// mark the control row in between (`joining`/`leaving`, which grants nothing), write the tenant,
/// then settle the control row. A failure undoes the mark; a crash leaves a marked row that
/// `repair` finishes. Either way a membership ends up in both databases or in neither.
public struct WorkspaceMembers: Sendable {
    let client: PostgresClient
    let tenants: TenantPools
    /// Stands in for a crash or a failing tenant write between the two databases (tests only).
    let faults: MembershipFaults

    init(client: PostgresClient, tenants: TenantPools, faults: MembershipFaults = MembershipFaults()) {
        self.client = client
        self.tenants = tenants
        self.faults = faults
    }

    static let unknownUser = AppError.notFound("user_not_found", "No active user has this id.")
    static let unknownWorkspace = AppError.notFound("workspace_not_found", "No workspace has this id.")
    static let lastOwner = AppError.conflict("last_owner", "A workspace keeps at least one owner; make someone else owner first.")
    static let higherRole = AppError.forbidden("insufficient_role", "You can only manage people whose role is the same as or lower than yours.")
    static let notMember = AppError.notFound("member_not_found", "This user is not a member of the workspace.")
    /// What a membership change answers when the workspace's database refuses it (nothing is kept).
    static let tenantUnavailable = AppError(.serviceUnavailable, code: "tenant_unavailable", message: "The workspace's database refused the change.")

    /// Makes the user an active member with `role` (or changes the role of one who is); returns
    /// the tenant member id. A new seat must fit `quota` (the plan's `members` limit; none by
    /// default, as for a new workspace's owner); an existing one always does.
    @discardableResult
    public func add(userID: UUID, to workspaceID: UUID, role: Role, within quota: Quota? = nil, logger: Logger) async throws -> UUID {
        let user = try await client.first(Person.self, """
            SELECT email, full_name FROM control.users WHERE id = \(userID)
            """, logger: logger).orNotFound(Self.unknownUser)
        let db = try await tenantDatabase(workspaceID, logger: logger)
        let quota = quota ?? .control(.members, limit: nil, workspace: workspaceID)
        guard let marked = try await client.first(Mark.self, """
            WITH \(quota.lock), previous AS (
                SELECT status FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID)
            )
            INSERT INTO control.workspace_members (workspace_id, user_id, role, status, member_id)
            SELECT \(workspaceID), \(userID), \(role.rawValue), 'joining', \(UUID())
            WHERE \(quota.allows()) OR EXISTS (SELECT 1 FROM previous)
            ON CONFLICT (workspace_id, user_id) DO UPDATE
                SET role = EXCLUDED.role, updated_at = now(),
                    status = CASE WHEN workspace_members.status = 'active' THEN 'active' ELSE 'joining' END,
                    member_id = COALESCE(workspace_members.member_id, EXCLUDED.member_id)
            RETURNING member_id, (SELECT status FROM previous) AS previous_status
            """, logger: logger)
        else { throw quota.limit == nil ? Self.unknownWorkspace : try await quota.refusal(on: client, logger: logger) }
        do {
            try await faults.beforeTenantWrite()
            let memberID = try await db.value(UUID.self, """
                INSERT INTO \(db.table("members")) (id, user_id, email, full_name, role)
                VALUES (\(marked.memberID), \(userID), \(user.email), \(user.fullName), \(role.rawValue))
                ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, status = 'active', updated_at = now()
                RETURNING id
                """, logger: logger)!
            try await faults.afterTenantWrite()
            try await client.execute("""
                UPDATE control.workspace_members SET status = 'active', member_id = \(memberID), updated_at = now()
                WHERE workspace_id = \(workspaceID) AND user_id = \(userID)
                """, logger: logger)
            return memberID
        } catch let crash as SimulatedCrash {
            throw crash
        } catch {
            _ = try? await client.execute(Self.undoJoin(workspaceID, userID, previous: marked.previousStatus), logger: logger)
            guard error is AppError else {
                logger.error("a membership could not be written to the workspace's database", metadata: ["error": "\(String(reflecting: error))"])
                throw Self.tenantUnavailable
            }
            throw error
        }
    }

    /// Takes a member out of the workspace: the tenant member goes first (so nothing in the
    /// workspace acts as them), then the control row. Answers what was removed.
    public func remove(userID: UUID, from workspaceID: UUID, logger: Logger) async throws -> Removal {
        let previous = try await client.value(String.self, """
            UPDATE control.workspace_members SET status = 'leaving', updated_at = now()
            WHERE workspace_id = \(workspaceID) AND user_id = \(userID) AND status <> 'leaving'
            RETURNING (SELECT status FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID))
            """, logger: logger).orNotFound(Self.notMember)
        if previous != "invited" {
            let db = try await tenantDatabase(workspaceID, logger: logger)
            try await faults.beforeTenantWrite()
            try await db.execute("DELETE FROM \(db.table("members")) WHERE user_id = \(userID)", logger: logger)
            try await faults.afterTenantWrite()
        }
        try await client.execute("""
            DELETE FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID)
            """, logger: logger)
        return previous == "invited" ? .invitation : .member
    }

    public enum Removal: Sendable { case invitation, member }

    /// Finishes what a crash interrupted: `joining` rows older than `age` join (or are undone when
    /// the tenant refuses), `leaving` rows leave. Run by the worker at start and then each minute.
    @discardableResult
    public func repair(olderThan age: Duration = .seconds(30), logger: Logger) async throws -> Int {
        let stuck = try await client.all(Stuck.self, """
            SELECT m.workspace_id, m.user_id, m.role, m.status, m.member_id, u.email, u.full_name
            FROM control.workspace_members m JOIN control.users u ON u.id = m.user_id
            WHERE m.status IN ('joining', 'leaving') AND m.updated_at < now() - make_interval(secs => \(age.inSeconds))
            """, logger: logger)
        for row in stuck {
            do {
                let db = try await tenantDatabase(row.workspaceID, logger: logger)
                if row.status == "leaving" {
                    try await db.execute("DELETE FROM \(db.table("members")) WHERE user_id = \(row.userID)", logger: logger)
                    try await client.execute("""
                        DELETE FROM control.workspace_members WHERE workspace_id = \(row.workspaceID) AND user_id = \(row.userID) AND status = 'leaving'
                        """, logger: logger)
                    continue
                }
                do {
                    let memberID = try await db.value(UUID.self, """
                        INSERT INTO \(db.table("members")) (id, user_id, email, full_name, role)
                        VALUES (\(row.memberID ?? UUID()), \(row.userID), \(row.email), \(row.fullName), \(row.role))
                        ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, status = 'active', updated_at = now()
                        RETURNING id
                        """, logger: logger)!
                    try await client.execute("""
                        UPDATE control.workspace_members SET status = 'active', member_id = \(memberID), updated_at = now()
                        WHERE workspace_id = \(row.workspaceID) AND user_id = \(row.userID) AND status = 'joining'
                        """, logger: logger)
                } catch let error as PSQLError {
                    logger.warning("a membership could not join its tenant; undone", metadata: ["error": "\(String(reflecting: error))"])
                    try await client.execute(Self.undoJoin(row.workspaceID, row.userID, previous: nil), logger: logger)
                }
            } catch {
                logger.error("membership repair failed", metadata: ["workspace_id": "\(row.workspaceID)", "error": "\(String(reflecting: error))"])
            }
        }
        return stuck.count
    }

    /// A join that did not happen: back to an invitation if it was one, otherwise gone.
    private static func undoJoin(_ workspaceID: UUID, _ userID: UUID, previous: String?) -> PostgresQuery {
        if previous == "invited" {
            return """
                UPDATE control.workspace_members SET status = 'invited', updated_at = now()
                WHERE workspace_id = \(workspaceID) AND user_id = \(userID) AND status = 'joining'
                """
        }
        return """
            DELETE FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID) AND status = 'joining'
            """
    }

    /// Changes a member's role. The actor must hold the same or a higher role than both the
    /// member's current and new roles; the last owner cannot be demoted. Control first (it decides
    /// access), then the tenant's copy.
    public func changeRole(of userID: UUID, in workspaceID: UUID, to role: Role, actorRole: Role, logger: Logger) async throws -> Role {
        let previous = try await client.transaction(logger: logger) { connection -> Role in
            let owners = try await connection.all(Holder.self, """
                SELECT user_id, role FROM control.workspace_members
                WHERE workspace_id = \(workspaceID) AND (role = 'owner' OR user_id = \(userID)) AND status = 'active'
                FOR UPDATE
                """, logger: logger)
            guard let current = owners.first(where: { $0.userID == userID })?.role else { throw Self.notMember }
            guard actorRole >= current, actorRole >= role else { throw Self.higherRole }
            if current == .owner, role != .owner, owners.filter({ $0.role == .owner }).count <= 1 { throw Self.lastOwner }
            try await connection.execute("""
                UPDATE control.workspace_members SET role = \(role.rawValue), updated_at = now() WHERE workspace_id = \(workspaceID) AND user_id = \(userID)
                """, logger: logger)
            return current
        }
        let db = try await tenantDatabase(workspaceID, logger: logger)
        try await db.execute("""
            UPDATE \(db.table("members")) SET role = \(role.rawValue), updated_at = now() WHERE user_id = \(userID)
            """, logger: logger)
        return previous
    }

    /// How many active owners a workspace has (the last one cannot go).
    func activeOwners(of workspaceID: UUID, logger: Logger) async throws -> Int {
        try await client.value(Int.self, """
            SELECT count(*)::int FROM control.workspace_members WHERE workspace_id = \(workspaceID) AND role = 'owner' AND status = 'active'
            """, logger: logger) ?? 0
    }

    func tenantDatabase(_ workspaceID: UUID, logger: Logger) async throws -> TenantDatabase {
        let placement = try await client.value(
            String.self, "SELECT placement FROM control.workspaces WHERE id = \(workspaceID)", logger: logger
        ).orNotFound(Self.unknownWorkspace)
        return try tenants.database(workspaceID: workspaceID, placement: placement)
    }

    private struct Mark: Row {
        let memberID: UUID
        let previousStatus: String?
        init(row: RowReader) throws {
            memberID = try row("member_id")
            previousStatus = try row("previous_status")
        }
    }

    private struct Stuck: Row {
        let workspaceID: UUID
        let userID: UUID
        let role: String
        let status: String
        let memberID: UUID?
        let email: String
        let fullName: String
        init(row: RowReader) throws {
            workspaceID = try row("workspace_id")
            userID = try row("user_id")
            role = try row("role")
            status = try row("status")
            memberID = try row("member_id")
            email = try row("email")
            fullName = try row("full_name")
        }
    }

    private struct Holder: Row {
        let userID: UUID
        let role: Role
        init(row: RowReader) throws {
            userID = try row("user_id")
            role = try row("role")
        }
    }

    private struct Person: Row {
        let email: String
        let fullName: String
        init(row: RowReader) throws {
            email = try row("email")
            fullName = try row("full_name")
        }
    }
}

/// Failure injection for the two-database saga: a test makes the tenant write fail, or the
/// process "die" (stop without cleaning up) just before or after it.
public struct MembershipFaults: Sendable {
    public enum Point: Sendable { case beforeTenantWrite, afterTenantWrite }
    public enum Fault: Sendable { case fail, crash }

    let plan: @Sendable (Point) async -> Fault?

    public init(_ plan: @escaping @Sendable (Point) async -> Fault? = { _ in nil }) {
        self.plan = plan
    }

    func beforeTenantWrite() async throws { try await trigger(.beforeTenantWrite) }
    func afterTenantWrite() async throws { try await trigger(.afterTenantWrite) }

    private func trigger(_ point: Point) async throws {
        switch await plan(point) {
        case .fail?: throw WorkspaceMembers.tenantUnavailable
        case .crash?: throw SimulatedCrash()
        case nil: break
        }
    }
}

/// The process "died" here: nothing after this point runs, cleanup included.
public struct SimulatedCrash: Error {}
