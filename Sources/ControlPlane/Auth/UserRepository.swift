import Foundation
import Logging
import PlatformCore
import PostgresNIO

struct UserRepository: Sendable {
    let client: PostgresClient

    struct Credentials: Row {
        let id: UUID
        let passwordHash: String
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

    func userID(email: String, logger: Logger) async throws -> UUID? {
        try await client.value(UUID.self, "SELECT id FROM control.users WHERE lower(email) = lower(\(email))", logger: logger)
    }

    func profile(_ userID: UUID, logger: Logger) async throws -> Profile? {
        guard let user = try await client.first(Profile.self, """
            SELECT id, email, full_name FROM control.users WHERE id = \(userID) AND status = 'active'
            """, logger: logger)
        else { return nil }
        let workspaces = try await client.all(Profile.Workspace.self, """
            SELECT w.id, w.name, m.role, w.status
            FROM control.workspace_members m JOIN control.workspaces w ON w.id = m.workspace_id
            WHERE m.user_id = \(userID) AND m.status = 'active' AND w.status <> 'archived'
            ORDER BY w.created_at
            """, logger: logger)
        return Profile(id: user.id, email: user.email, fullName: user.fullName, workspaces: workspaces)
    }

    struct Profile: APIModel, Row {
        struct Workspace: Codable, Sendable, Row {
            let id: UUID
            let name: String
            let role: Role
            let status: WorkspaceStatus

            init(id: UUID, name: String, role: Role, status: WorkspaceStatus) {
                (self.id, self.name, self.role, self.status) = (id, name, role, status)
            }

            init(row: RowReader) throws {
                id = try row("id")
                name = try row("name")
                role = try row("role")
                status = try row("status")
            }
        }
        let id: UUID
        let email: String
        let fullName: String
        var workspaces: [Workspace]

        enum CodingKeys: String, CodingKey { case id, email, fullName = "full_name", workspaces }

        init(id: UUID, email: String, fullName: String, workspaces: [Workspace]) {
            (self.id, self.email, self.fullName, self.workspaces) = (id, email, fullName, workspaces)
        }

        init(row: RowReader) throws {
            self.init(id: try row("id"), email: try row("email"), fullName: try row("full_name"), workspaces: [])
        }

        static let example = Profile(
            id: UUID(uuidString: "9a0d5e2c-3b4f-4c6d-8e7f-1a2b3c4d5e6f")!, email: "ada@example.com", fullName: "Ada Lovelace",
            workspaces: [.init(id: UUID(uuidString: "3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09")!, name: "Acme", role: .owner, status: .active)])
    }
}
