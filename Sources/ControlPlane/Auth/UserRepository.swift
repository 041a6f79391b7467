import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// `control.users`: accounts, their credentials and profiles.
struct UserRepository: Sendable {
    let client: PostgresClient

    static let notFound = AppError.notFound("user_not_found", "No user with this id is visible to you.")
    static let emailTaken = AppError.conflict("email_taken", "An account with this email already exists.")

    struct Credentials: Row {
        let id: UUID
        let passwordHash: String?
        let isActive: Bool

        init(row: RowReader) throws {
            id = try row("id")
            passwordHash = try row("password_hash")
            isActive = try row("is_active")
        }
    }

    func credentials(email: String, logger: Logger) async throws -> Credentials? {
        try await client.first(Credentials.self, """
            SELECT id, password_hash, status = 'active' AS is_active FROM control.users WHERE lower(email) = lower(\(email))
            """, logger: logger)
    }

    func credentials(userID: UUID, logger: Logger) async throws -> Credentials? {
        try await client.first(Credentials.self, """
            SELECT id, password_hash, status = 'active' AS is_active FROM control.users WHERE id = \(userID)
            """, logger: logger)
    }

    func userID(email: String, logger: Logger) async throws -> UUID? {
        try await client.value(UUID.self, "SELECT id FROM control.users WHERE lower(email) = lower(\(email))", logger: logger)
    }

    /// The email of the person acting (an API key acts as no one).
    func email(of principal: Principal, logger: Logger) async throws -> String? {
        guard let user = principal.actingUserID else { return nil }
        return try await find(user, logger: logger)?.email
    }

    func find(_ id: UUID, on db: (any Queryable)? = nil, logger: Logger) async throws -> UserRecord? {
        try await (db ?? client).first(UserRecord.self, "SELECT \(UserRecord.columns) FROM control.users WHERE id = \(id)", logger: logger)
    }

    func find(email: String, logger: Logger) async throws -> UserRecord? {
        try await client.first(UserRecord.self, "SELECT \(UserRecord.columns) FROM control.users WHERE lower(email) = lower(\(email))", logger: logger)
    }

    /// A new account. `passwordHash` nil: the user sets one through activation or an invitation.
    func create(
        email: String, fullName: String, passwordHash: String?, status: String, on db: (any Queryable)? = nil, logger: Logger
    ) async throws -> UserRecord {
        do {
            return try await (db ?? client).first(UserRecord.self, """
                INSERT INTO control.users (id, email, full_name, password_hash, status)
                VALUES (\(UUID()), \(email), \(fullName), \(passwordHash), \(status))
                RETURNING \(UserRecord.columns)
                """, logger: logger)!
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.emailTaken
        }
    }

    /// Sets the password, activates a pending account, and ends every session the user had.
    func setPassword(_ userID: UUID, hash: String, on db: any Queryable, logger: Logger) async throws {
        try await db.execute("""
            UPDATE control.users SET password_hash = \(hash), status = CASE WHEN status = 'pending' THEN 'active' ELSE status END,
                updated_at = now()
            WHERE id = \(userID) RETURNING id
            """, logger: logger)
        try await db.execute("""
            UPDATE control.refresh_tokens SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL
            """, logger: logger)
    }

    func recordLogin(_ userID: UUID, logger: Logger) async throws {
        try await client.execute("UPDATE control.users SET last_login_at = now() WHERE id = \(userID)", logger: logger)
    }

    /// Profile fields; the email must stay unique (409).
    func update(_ userID: UUID, _ change: ProfileChange, logger: Logger) async throws -> UserRecord? {
        var changes = Assignments()
        changes.set("full_name", change.fullName.clearingTo(""))
        changes.set("email", change.email)
        changes.set("title", change.title.clearingTo(""))
        changes.set("phone", change.phone.clearingTo(""))
        changes.set("bio", change.bio.clearingTo(""))
        if changes.isEmpty { return try await find(userID, logger: logger) }
        changes.set("updated_at", to: Date())
        do {
            return try await client.first(UserRecord.self, """
                UPDATE control.users SET \(changes) WHERE id = \(userID) RETURNING \(UserRecord.columns)
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.emailTaken
        }
    }

    /// Points the user at a new avatar; answers the record and the key it replaced.
    func setAvatar(_ userID: UUID, key: String?, logger: Logger) async throws -> (record: UserRecord, previous: String?)? {
        try await client.transaction(logger: logger) { connection in
            guard let previous = try await connection.first(AvatarKey.self, """
                SELECT avatar_key FROM control.users WHERE id = \(userID) FOR UPDATE
                """, logger: logger)
            else { return nil }
            let record = try await connection.first(UserRecord.self, """
                UPDATE control.users SET avatar_key = \(key), updated_at = now() WHERE id = \(userID) RETURNING \(UserRecord.columns)
                """, logger: logger)
            return record.map { ($0, previous.key) }
        }
    }

    private struct AvatarKey: Row {
        let key: String?
        init(row: RowReader) throws { key = try row("avatar_key") }
    }

    /// An active staff or superuser account (what staff-only routes require).
    func isStaff(_ userID: UUID, logger: Logger) async throws -> Bool {
        try await find(userID, logger: logger).map { ($0.isStaff || $0.isSuperuser) && $0.status == "active" } == true
    }

    /// The caller's user id, if they are staff; a 403 otherwise.
    @discardableResult
    func requireStaff(_ context: AuthenticatedContext) async throws -> UUID {
        let user = try context.userID()
        guard try await isStaff(user, logger: context.logger) else { throw ImpersonationController.staffOnly }
        return user
    }

    /// The workspaces a user is an active member of.
    func workspaces(of userID: UUID, logger: Logger) async throws -> [Profile.Workspace] {
        try await client.all(Profile.Workspace.self, """
            SELECT w.id, w.name, w.slug, m.role, w.status
            FROM control.workspace_members m JOIN control.workspaces w ON w.id = m.workspace_id
            WHERE m.user_id = \(userID) AND m.status = 'active' AND w.status <> 'archived'
            ORDER BY w.created_at
            """, logger: logger)
    }

    /// How `viewer` may see `target`: as themselves or staff, as someone of the same or a higher
    /// role in a workspace they share, only as a lower role, or not at all.
    enum Standing: Sendable { case same, staff, sameOrHigher, lower, none }

    func standing(of viewer: UUID, toward target: UUID, logger: Logger) async throws -> Standing {
        if viewer == target { return .same }
        struct Answer: Row {
            let staff: Bool
            let best: Int?
            init(row: RowReader) throws {
                staff = try row("staff")
                best = try row("best")
            }
        }
        let answer = try await client.first(Answer.self, """
            SELECT (SELECT is_staff OR is_superuser FROM control.users WHERE id = \(viewer) AND status = 'active') IS TRUE AS staff,
                   (SELECT max(array_position(\(Self.ranks), me.role) - array_position(\(Self.ranks), them.role))::int
                    FROM control.workspace_members me
                    JOIN control.workspace_members them ON them.workspace_id = me.workspace_id AND them.user_id = \(target)
                    WHERE me.user_id = \(viewer) AND me.status = 'active') AS best
            """, logger: logger)
        guard let answer else { return .none }
        if answer.staff { return .staff }
        guard let best = answer.best else { return .none }
        return best >= 0 ? .sameOrHigher : .lower
    }

    /// Roles from lowest to highest, for SQL comparisons.
    static let ranks = Role.allCases.map(\.rawValue)
}

/// A user as the API shows it. `avatar_key` stays inside; callers get a signed URL.
struct UserRecord: TableRow, Sendable {
    let id: UUID
    let email: String
    let fullName: String
    let title: String
    let phone: String
    let bio: String
    let avatarKey: String?
    let status: String
    let isStaff: Bool
    let isSuperuser: Bool
    let hasPassword: Bool
    let createdAt: Date
    let lastLoginAt: Date?

    static let columns: Columns = [
        "id", "email", "full_name", "title", "phone", "bio", "avatar_key", "status", "is_staff", "is_superuser", "has_password", "created_at",
        "last_login_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        email = try row("email")
        fullName = try row("full_name")
        title = try row("title")
        phone = try row("phone")
        bio = try row("bio")
        avatarKey = try row("avatar_key")
        status = try row("status")
        isStaff = try row("is_staff")
        isSuperuser = try row("is_superuser")
        hasPassword = try row("has_password")
        createdAt = try row("created_at")
        lastLoginAt = try row("last_login_at")
    }
}
