import Foundation
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// The outbox and its sender over a real SMTP exchange: STARTTLS with a certificate the platform
/// trusts through `SMTP_CA_FILE`, AUTH, and retries of transient failures.
@Suite struct MailDeliveryTests {
    @Test func resetMailGoesOutOverSMTPWithSTARTTLSAndAuthAfterATransientFailure() async throws {
        let server = try await SMTPTestServer.start(tls: true, requireAuth: (user: "mailer", password: "s3cret pass"), failFirst: 1)
        let authority = FileManager.default.temporaryDirectory.appending(path: "smtp-ca-\(UUID().uuidString).pem")
        try server.writeCertificateAuthority(to: authority)
        defer { try? FileManager.default.removeItem(at: authority) }
        let smtpURL = server.url
        try await TestPlatform.run(configure: { config in
            config.mail.smtp = smtpURL
            config.mail.certificateAuthorities = authority
        }) { client, platform in
            let account = try await client.signUp("sol")
            #expect(try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": .string(account.email)]).status == .ok)

            let received = try #require(try await server.waitForMessages(count: 1, timeout: .seconds(20)).first)
            #expect(received.tls)
            #expect(received.user == "mailer")
            #expect(received.recipients == [account.email])
            let mail = try #require(received.parsed)
            #expect(mail.subject == "Reset your password")
            let token = try #require(mail.linkParameter("token"))
            #expect(try await client.request(.post, "/api/v1/auth/reset-password", json: ["token": .string(token), "new_password": "sent over smtp"]).status == .ok)
            #expect(try platform.mailbox.messages().isEmpty, "with SMTP_URL nothing is written to MAIL_DIR")

            let (status, attempts, error) = try await platform.withDatabase { db in
                try await db.query("SELECT status, attempts, last_error FROM control.mail_outbox").collect().first!.decode((String, Int, String?).self)
            }
            #expect(status == "sent")
            #expect(attempts == 2, "the first attempt met a 451 and was retried")
            #expect(error == nil)
        }
        try await server.shutdown()
    }

    @Test func aPermanentRefusalIsNotRetried() async throws {
        let server = try await SMTPTestServer.start(rejectRecipients: [])
        let smtpURL = server.url
        try await TestPlatform.run(configure: { $0.mail.smtp = smtpURL }) { client, platform in
            let account = try await client.signUp("ned")
            try await server.shutdown()
            // Nobody listens now: a transient failure, retried until the server is back.
            _ = try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": .string(account.email)])
            let retried = try await platform.withDatabase { db in
                for _ in 0..<100 {
                    let row = try await db.query("SELECT status, attempts FROM control.mail_outbox").collect().first
                    if let (status, attempts) = try row?.decode((String, Int).self), attempts >= 2 { return (status, attempts) }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return ("none", 0)
            }
            #expect(retried.0 == "pending")
            #expect(retried.1 >= 2)
        }
        let rejecting = try await SMTPTestServer.start(rejectRecipients: ["bounce@example.com"])
        let rejectingURL = rejecting.url
        try await TestPlatform.run(configure: { $0.mail.smtp = rejectingURL }) { client, platform in
            _ = try await client.request(.post, "/api/v1/auth/register", json: ["email": "bounce@example.com", "password": "correct horse battery", "full_name": "B"])
            _ = try await client.request(.post, "/api/v1/auth/request-password-reset", json: ["email": "bounce@example.com"])
            let final = try await platform.withDatabase { db in
                for _ in 0..<100 {
                    let row = try await db.query("SELECT status, attempts, sealed_body IS NULL FROM control.mail_outbox").collect().first
                    if let values = try row?.decode((String, Int, Bool).self), values.0 == "failed" { return values }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return ("pending", 0, false)
            }
            #expect(final.0 == "failed")
            #expect(final.1 == 1, "a 550 is not retried")
            #expect(final.2, "a message given up on keeps no body")
        }
        try await rejecting.shutdown()
    }
}
