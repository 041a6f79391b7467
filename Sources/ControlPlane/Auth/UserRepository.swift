import Foundation
import Hummingbird
import Logging
import PlatformCore
import PostgresNIO

struct UserRepository: Sendable {
    let client: PostgresClient

    struct Credentials: Sendable {
        let id: UUID
        let passwordHash: String
        let isActive: Bool
    }

    func credentials(email: String, logger: Logger) async throws -> Credentials? {
        let rows = try await client.query(
            "SELECT id, password_hash, status = 'active' FROM control.users WHERE lower(email) = lower(\(email))", logger: logger)
        guard let row = try await rows.collect().first else { return nil }
        let (id, hash, active) = try row.decode((UUID, String, Bool).self)
        return Credentials(id: id, passwordHash: hash, isActive: active)
    }

    func userID(email: String, logger: Logger) async throws -> UUID? {
        try await client.query("SELECT id FROM control.users WHERE lower(email) = lower(\(email))", logger: logger)
            .collect().first?.decode(UUID.self)
    }

    func profile(_ userID: UUID, logger: Logger) async throws -> Profile? {
        let rows = try await client.query("""
            SELECT u.id, u.email, u.full_name, w.id, w.name, m.role, w.status
            FROM control.users u
            LEFT JOIN control.workspace_members m ON m.user_id = u.id AND m.status = 'active'
            LEFT JOIN control.workspaces w ON w.id = m.workspace_id AND w.status <> 'archived'
            WHERE u.id = \(userID) AND u.status = 'active'
            ORDER BY w.created_at
            """, logger: logger)
        var profile: Profile?
        for try await (id, email, fullName, workspaceID, name, role, status) in rows.decode((UUID, String, String, UUID?, String?, String?, String?).self) {
            if profile == nil { profile = Profile(id: id, email: email, fullName: fullName, workspaces: []) }
            if let workspaceID, let name, let role, let status {
                profile?.workspaces.append(.init(id: workspaceID, name: name, role: role, status: status))
            }
        }
        return profile
    }

    struct Profile: ResponseEncodable, Sendable {
        struct Workspace: Codable, Sendable {
            let id: UUID
            let name: String
            let role: String
            let status: String
        }
        let id: UUID
        let email: String
        let fullName: String
        var workspaces: [Workspace]

        enum CodingKeys: String, CodingKey { case id, email, fullName = "full_name", workspaces }
    }
}
