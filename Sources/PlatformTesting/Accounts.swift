import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore

/// A signed-in owner and their workspace.
public struct TestAccount: Sendable {
    public let email: String
    public let password: String
    public let userID: UUID
    public let workspaceID: UUID
    public let accessToken: String
    public let refreshToken: String

    public init(email: String, password: String, userID: UUID, workspaceID: UUID, accessToken: String, refreshToken: String) {
        (self.email, self.password, self.userID, self.workspaceID) = (email, password, userID, workspaceID)
        (self.accessToken, self.refreshToken) = (accessToken, refreshToken)
    }

    /// The bearer token and `X-Workspace-Id` (their own workspace unless another is named).
    public func headers(workspace: UUID? = nil) -> HTTPFields {
        .bearer(accessToken, workspace: (workspace ?? workspaceID).uuidString)
    }

    /// With a raw header value, for malformed-header cases.
    public func headers(workspaceHeader: String) -> HTTPFields {
        .bearer(accessToken, workspace: workspaceHeader)
    }
}

extension TestClientProtocol {
    /// Signs up through `POST /auth/signup` (the synchronous path): a new user and workspace.
    public func signUp(_ name: String = "owner", company: String = "Acme") async throws -> TestAccount {
        let email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let password = "correct horse battery staple"
        let response = try await request(.post, "/api/v1/auth/signup", json: [
            "email": .string(email), "password": .string(password), "full_name": .string(name), "company_name": .string(company),
        ])
        guard response.status == .created,
              let userID = response.json["user_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let workspaceID = response.json["workspace_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let access = response.json["access_token"]?.stringValue, let refresh = response.json["refresh_token"]?.stringValue
        else { throw TestFailure("signup failed: \(response.status) \(response.text)") }
        return TestAccount(email: email, password: password, userID: userID, workspaceID: workspaceID, accessToken: access, refreshToken: refresh)
    }

    /// Logs in to an account that already exists (the template's seeded owners) and finds its workspace.
    public func logIn(email: String, password: String) async throws -> TestAccount {
        let login = try await request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": .string(password)])
        guard let access = login.json["access_token"]?.stringValue, let refresh = login.json["refresh_token"]?.stringValue else {
            throw TestFailure("login failed: \(login.status) \(login.text)")
        }
        let me = try await request(.get, "/api/v1/auth/me", headers: .bearer(access))
        guard let userID = me.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let workspaceID = me.json["workspaces"]?[0]?["id"]?.stringValue.flatMap(UUID.init(uuidString:))
        else { throw TestFailure("me failed: \(me.status) \(me.text)") }
        return TestAccount(email: email, password: password, userID: userID, workspaceID: workspaceID, accessToken: access, refreshToken: refresh)
    }

    /// Creates an API key in the account's workspace and returns the secret.
    public func createAPIKey(for account: TestAccount, scopes: [String], name: String = "test key") async throws -> (id: String, key: String) {
        let response = try await request(.post, "/api/v1/api-keys", json: [
            "name": .string(name), "scopes": .array(scopes.map { .string($0) }),
        ], headers: account.headers())
        guard response.status == .created, let id = response.json["id"]?.stringValue, let key = response.json["key"]?.stringValue else {
            throw TestFailure("api key creation failed: \(response.status) \(response.text)")
        }
        return (id, key)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
