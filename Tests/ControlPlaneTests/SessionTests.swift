import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import Testing

@Suite struct SessionTests {
    @Test func loginRefreshRotationReuseDetectionAndLogout() async throws {
        // No grace window: a spent token presented again is reuse at once.
        try await TestPlatform.run(configure: { $0.refreshGrace = .zero }) { client, _ in
            let account = try await client.signUp("sam")
            let login = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(account.email.uppercased()), "password": .string(account.password)])
            #expect(login.status == .ok)
            #expect(login.json["token_type"] == "bearer")
            #expect(login.json["expires_in"]?.intValue == 15 * 60)
            let refresh1 = try #require(login.json["refresh_token"]?.stringValue)

            let rotated = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh1)])
            #expect(rotated.status == .ok)
            let refresh2 = try #require(rotated.json["refresh_token"]?.stringValue)
            #expect(refresh2 != refresh1)
            let access2 = try #require(rotated.json["access_token"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(access2)).status == .ok)

            // Presenting the spent token again is a theft signal: 401, and its whole family dies.
            let reused = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh1)])
            #expect(reused.status == .unauthorized)
            #expect(reused.errorCode == "invalid_refresh_token")
            let familyGone = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh2)])
            #expect(familyGone.status == .unauthorized)

            // Other sessions are unaffected; logout ends one.
            let signupSession = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)])
            #expect(signupSession.status == .ok)
            let latest = try #require(signupSession.json["refresh_token"]?.stringValue)
            #expect(try await client.request(.post, "/api/v1/auth/logout", json: ["refresh_token": .string(latest)]).status == .noContent)
            #expect(try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(latest)]).status == .unauthorized)
        }
    }

    /// Two tabs refreshing one token at once both get the same successor, every time; the spent
    /// token presented after the grace window revokes the family.
    @Test func racingRefreshesShareOneSuccessorThenReuseRevokes() async throws {
        try await TestPlatform.run(configure: { $0.refreshGrace = .seconds(5) }) { client, _ in
            let account = try await client.signUp("tab")
            var token = account.refreshToken
            var spent: [String] = []
            for _ in 0..<100 {
                let body: JSONValue = ["refresh_token": .string(token)]
                async let first = client.request(.post, "/api/v1/auth/refresh", json: body)
                async let second = client.request(.post, "/api/v1/auth/refresh", json: body)
                let (a, b) = try await (first, second)
                #expect(a.status == .ok && b.status == .ok)
                let successor = try #require(a.json["refresh_token"]?.stringValue)
                #expect(b.json["refresh_token"]?.stringValue == successor)
                #expect(successor != token)
                spent.append(token)
                token = successor
            }
            #expect(Set(spent).count == 100)
            let access = try #require(try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(spent[99])]).json["access_token"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(access)).status == .ok)

            try await Task.sleep(for: .seconds(6))
            let reused = try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(spent[50])])
            #expect(reused.status == .unauthorized)
            #expect(reused.errorCode == "invalid_refresh_token")
            #expect(try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(token)]).status == .unauthorized)
        }
    }

    @Test func wrongPasswordsAreRefusedThenThrottled() async throws {
        try await TestPlatform.run { client, _ in
            let account = try await client.signUp("tom")
            let unknown = try await client.request(.post, "/api/v1/auth/login", json: ["email": "nobody@example.com", "password": "whatever123"])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "invalid_credentials")
            for _ in 0..<5 {
                let wrong = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(account.email), "password": "wrong password"])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.errorCode == "invalid_credentials")
            }
            let throttled = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(account.email), "password": .string(account.password)])
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test func meNeedsAValidUserToken() async throws {
        try await TestPlatform.run { client, _ in
            let account = try await client.signUp("mia")
            let me = try await client.request(.get, "/api/v1/auth/me", headers: .bearer(account.accessToken))
            #expect(me.json["id"]?.stringValue?.lowercased() == account.userID.uuidString.lowercased())
            #expect(me.json["full_name"] == "mia")
            #expect(me.json["workspaces"]?.arrayValue?.count == 1)
            #expect(try await client.request(.get, "/api/v1/auth/me").status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer("not.a.jwt")).errorCode == "invalid_token")
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: [.authorization: "Basic abc"]).status == .unauthorized)
            let key = try await client.createAPIKey(for: account, scopes: ["admin"])
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(key.key)).status == .forbidden)
        }
    }
}
