import Foundation
import HTTPTypes
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// Password reset, activation and registration, with every token read out of the delivered mail.
@Suite struct AccountTests {
    @Test func passwordResetByMailIsSingleUseAndExpires() async throws {
        try await TestPlatform.run { client, platform in
            let account = try await client.signUp("rhea")
            let known = try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": .string(account.email.uppercased())])
            let unknown = try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": "nobody@example.com"])
            #expect(known.status == .ok)
            #expect(unknown.status == .ok)
            #expect(known.text == unknown.text)

            let mail = try await platform.mailbox.latest(to: account.email)
            #expect(mail.subject == "Reset your password")
            #expect(mail.from?.contains("no-reply@localhost") == true)
            #expect(mail.messageID?.hasPrefix("<") == true)
            #expect(mail.date != nil)
            #expect(mail.link?.absoluteString.hasPrefix(platform.config.publicURL + "/reset-password?token=") == true)
            let token = try #require(mail.linkParameter("token"))
            #expect(try platform.mailbox.messages().allSatisfy { !$0.to.joined().contains("nobody@") })

            let reset = try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": .string(token), "new_password": "a brand new passphrase"])
            #expect(reset.status == .ok)
            let old = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(account.email), "password": .string(account.password)])
            #expect(old.status == .unauthorized)
            _ = try await client.logIn(email: account.email, password: "a brand new passphrase")
            // Resetting ends the sessions that existed before.
            #expect(try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)]).status == .unauthorized)

            let again = try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": .string(token), "new_password": "yet another passphrase"])
            #expect(again.status == .badRequest)
            #expect(again.errorCode == "token_used")
            let made = try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": "made-up-token", "new_password": "yet another passphrase"])
            #expect(made.errorCode == "invalid_token")

            // A second request: that token is late.
            _ = try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": .string(account.email)])
            let late = try #require(try await platform.mailbox.latest(to: account.email, count: 2).linkParameter("token"))
            _ = try await platform.withDatabase { db in
                try await db.query("UPDATE control.one_time_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
            }
            let expired = try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": .string(late), "new_password": "yet another passphrase"])
            #expect(expired.errorCode == "token_expired")

            let (digests, sealedAfterSending, actions) = try await platform.withDatabase { db in
                let digests = try await db.query("SELECT count(*)::int FROM control.one_time_tokens WHERE token_digest = sha256(convert_to(\(token), 'UTF8'))")
                    .collect().first!.decode(Int.self)
                let sealed = try await db.query("SELECT count(*)::int FROM control.mail_outbox WHERE status = 'sent' AND sealed_body IS NOT NULL")
                    .collect().first!.decode(Int.self)
                let actions = try await db.query("SELECT action FROM control.audit_events ORDER BY occurred_at").collect().map { try $0.decode(String.self) }
                return (digests, sealed, actions)
            }
            #expect(digests == 1, "the token is stored as its SHA-256 only")
            #expect(sealedAfterSending == 0, "a sent message's body is erased")
            #expect(actions.contains("password.reset_requested"))
            #expect(actions.contains("password.reset"))
            #expect(actions.contains("token.reused"))
        }
    }

    @Test func registerThenLogIn() async throws {
        try await TestPlatform.run { client, _ in
            let email = "reg-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let created = try await client.request(.post, "/api/v1/auth/register", json: [
                "email": .string(email), "password": "correct horse battery staple", "full_name": "Reg Istered",
            ])
            #expect(created.status == .created)
            #expect(created.json["email"]?.stringValue == email)
            #expect(created.json["has_password"] == true)
            #expect(created.json["password_hash"] == nil)
            let login = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "correct horse battery staple"])
            #expect(login.status == .ok)
            let duplicate = try await client.request(.post, "/api/v1/auth/register", json: [
                "email": .string(email.uppercased()), "password": "correct horse battery staple", "full_name": "Again",
            ])
            #expect(duplicate.status == .conflict)
            let bad = try await client.request(.post, "/api/v1/auth/register", json: ["email": "not-an-email", "password": "short", "full_name": ""])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["error"]?["details"]?["fields"]?["password"] != nil)
            #expect(bad.json["error"]?["details"]?["fields"]?["email"] != nil)
        }
    }

    @Test func activationByMailSetsThePasswordAndSignsIn() async throws {
        try await TestPlatform.run { client, platform in
            let email = "pending-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let userID = UUID()
            _ = try await platform.withDatabase { db in
                try await db.query("INSERT INTO control.users (id, email, full_name, status) VALUES (\(userID), \(email), 'Pen Ding', 'pending')")
            }
            let cannotLogIn = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "anything at all"])
            #expect(cannotLogIn.status == .unauthorized)

            let resend = try await client.request(.post, "/api/v1/auth/activate/resend", json: ["email": .string(email)])
            #expect(resend.status == .ok)
            let unknown = try await client.request(.post, "/api/v1/auth/activate/resend", json: ["email": "nobody@example.com"])
            #expect(unknown.text == resend.text)
            let token = try #require(try await platform.mailbox.latest(to: email).linkParameter("token"))

            let details = try await client.request(.get, "/api/v1/auth/activate/validate?token=\(token)")
            #expect(details.status == .ok)
            #expect(details.json["email"]?.stringValue == email)
            #expect(details.json["password_required"] == true)
            let wrongWorkspace = try await client.request(.get, "/api/v1/auth/activate/validate?token=\(token)&workspace_id=\(UUID())")
            #expect(wrongWorkspace.errorCode == "invalid_token")

            let activated = try await client.request(.post, "/api/v1/auth/activate", json: ["token": .string(token), "password": "my first password"])
            #expect(activated.status == .ok)
            #expect(activated.json["user_id"]?.stringValue == userID.uuidString.lowercased())
            let access = try #require(activated.json["access_token"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(access)).json["status"] == "active")
            #expect(try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "my first password"]).status == .ok)
            #expect(try await client.request(.post, "/api/v1/auth/activate", json: ["token": .string(token), "password": "another password"]).errorCode == "token_used")
            #expect(try await client.request(.get, "/api/v1/auth/activate/validate?token=\(token)").errorCode == "token_used")
        }
    }

    @Test func changingThePasswordNeedsTheCurrentOne() async throws {
        try await TestPlatform.run { client, _ in
            let account = try await client.signUp("cass")
            let wrong = try await client.request(.post, "/api/v1/auth/me/password", json: [
                "current_password": "not it at all", "new_password": "a better passphrase",
            ], headers: .bearer(account.accessToken))
            #expect(wrong.errorCode == "invalid_password")
            let changed = try await client.request(.post, "/api/v1/auth/me/password", json: [
                "current_password": .string(account.password), "new_password": "a better passphrase",
            ], headers: .bearer(account.accessToken))
            #expect(changed.status == .ok)
            #expect(changed.json["refresh_token"]?.stringValue != nil)
            #expect(try await client.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)]).status == .unauthorized)
            _ = try await client.logIn(email: account.email, password: "a better passphrase")
        }
    }

    @Test func wrongTokensAreThrottledPerClient() async throws {
        try await TestPlatform.run { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<12 {
                statuses.append(try await client.request(
                    .post, "/api/v1/auth/reset-password", json: ["token": .string("guess-\(attempt)"), "new_password": "whatever passphrase"]).status)
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .badRequest })
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests })
        }
    }
}
