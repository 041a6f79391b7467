import Foundation
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing
@testable import ControlPlane

/// A signup job's result hands the owner's first session to whoever holds the job id: the tokens
/// are sealed in the database while the result may be read, and erased after.
@Suite struct SignupResultSecrecyTests {
    @Test func aSignupsTokensAreSealedAtRestThenErased() async throws {
        try await TestPlatform.run(.live) { client, platform in
            let accepted = try await client.request(
                .post, "/api/v1/auth/signup/async", json: SignupTests.signupBody("sealed-\(UUID().uuidString.prefix(6))@example.com"))
            let jobID = try #require(accepted.json["job_id"]?.stringValue)
            let done = try await waitForJob(client, jobID)
            #expect(done["status"]?.stringValue == "COMPLETED")
            let access = try #require(done["result"]?["access_token"]?.stringValue)
            let refresh = try #require(done["result"]?["refresh_token"]?.stringValue)
            #expect(try await client.request(.get, "/api/v1/auth/me", headers: .bearer(access)).status == .ok)

            // Everything the control schema holds about the job, as text: no token in it.
            func stored() async throws -> String {
                try await platform.withDatabase { db in
                    try await db.query("""
                        SELECT j.result::text || coalesce(string_agg(concat_ws(' ', e.message, e.error_message), ' '), '')
                        FROM control.jobs j LEFT JOIN control.job_events e ON e.job_id = j.id
                        WHERE j.id = \(UUID(uuidString: jobID)!) GROUP BY j.id
                        """, logger: TestDatabase.logger).collect().first!.decode(String.self)
                }
            }
            let atRest = try await stored()
            #expect(atRest.contains(SignupJob.sealedField))
            #expect(!atRest.contains(access) && !atRest.contains(refresh))
            #expect(!atRest.contains(String(access.split(separator: ".")[1])), "not even the JWT's claims")

            // Fifteen minutes on, the sweep erases the seal, and the job shows no session.
            try await platform.withDatabase { db in
                try await db.query("""
                    UPDATE control.jobs SET completed_at = completed_at - interval '16 minutes' WHERE id = \(UUID(uuidString: jobID)!)
                    """, logger: TestDatabase.logger)
                try await ControlSweep(client: db, logger: TestDatabase.logger).sweep()
            }
            let erased = try await stored()
            #expect(!erased.contains(SignupJob.sealedField))
            #expect(erased.contains("workspace_id"))
            let later = try await client.request(.get, "/api/v1/auth/signup/jobs/\(jobID)")
            #expect(later.json["status"]?.stringValue == "COMPLETED")
            #expect(later.json["result"]?["refresh_token"] == nil && later.json["result"]?["access_token"] == nil)
        }
    }
}
