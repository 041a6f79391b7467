import Foundation
import Migrator
import PlatformAuth
@_spi(TenantProvisioning) import PlatformCore
import PlatformServer
import PlatformTesting
import PostgresNIO
import Testing
@testable import ControlPlane

@Suite struct ProvisioningResumeTests {
    let logger = TestDatabase.logger

    /// A worker claims a signup job, gets through creating the schema, and dies. Once its lease
    /// expires the platform's own worker takes the job over and finishes it; the workspace ends up
    /// exactly like one provisioned without interruption.
    @Test func aJobAbandonedMidProvisioningIsTakenOverAndEndsLikeAnUninterruptedOne() async throws {
        try await TestDatabase.withDatabase { url in
            let config = TestPlatform.config(for: url)
            let email = "resume-\(UUID().uuidString.prefix(6))@example.com"
            let jobID = try await PlatformServer.withClient(url, logger: logger) { client in
                let tokens = await TokenService(secret: config.jwtSecret, accessTokenLifetime: .seconds(60))
                // Long enough that a loaded machine cannot expire it before the doomed worker "dies".
                let queue = JobQueue(client: client, lease: .seconds(6))
                let provisioner = Provisioner(
                    client: client, migrator: Migrator(client: client, logger: logger),
                    members: WorkspaceMembers(client: client, tenants: TenantPools([TenantPools.primary: client])),
                    sessions: SessionStore(client: client, tokens: tokens, refreshLifetime: .seconds(60), grace: .seconds(10)), trial: config.trial,
                    billing: ControlPlane.billing(client: client, config: config))
                let payload = SignupPayload(
                    userID: UUID(), workspaceID: UUID(), email: email, fullName: "Rae", companyName: "Resume Co",
                    passwordHash: try await PasswordHasher(cost: config.passwordHashing).hash("correct horse battery"))
                let job = try await queue.enqueue(SignupJob.self, payload, logger: logger)
                let claimed = try #require(try await queue.claim(workerID: "doomed-worker", logger: logger))
                let claimedAt = ContinuousClock.now
                #expect(claimed.id == job.id)
                // Nothing can be claimed while the dead worker's lease runs.
                #expect(try await queue.claim(workerID: "eager-worker", logger: logger) == nil)
                let progress = JobProgress(queue: queue, job: claimed)
                let finished = try await provisioner.provision(payload, logger: logger, through: .creatingSchema) { step in
                    try await progress.report(progress: step.progress, step: step.rawValue, message: step.message, logger: logger)
                }
                #expect(finished == nil)
                // Still nothing, unless a loaded machine took longer than the lease to get here.
                if ContinuousClock.now - claimedAt < .seconds(4) {
                    #expect(try await queue.claim(workerID: "eager-worker", logger: logger) == nil)
                }
                return job.id
            }

            try await TestPlatform.run(on: url) { client, platform in
                let final = try await waitForJob(client, jobID.uuidString)
                #expect(final["status"] == "COMPLETED")
                #expect(final["result"]?["access_token"]?.stringValue != nil)
                let resumedWorkspace = try #require(final["result"]?["workspace_id"]?.stringValue.flatMap(UUID.init(uuidString:)))
                let reference = try await client.signUp("reference")
                let referenceWorkspace = reference.workspaceID

                try await platform.withDatabase { db in
                    let resumed = try await snapshot(of: resumedWorkspace, db)
                    let uninterrupted = try await snapshot(of: referenceWorkspace, db)
                    #expect(resumed == uninterrupted)
                    #expect(resumed.status == "active")
                    let attempts = try await db.query("SELECT attempts FROM control.jobs WHERE id = \(jobID)", logger: logger)
                        .collect().first!.decode(Int.self)
                    #expect(attempts == 2)
                    let seqs = try await db.query("SELECT seq FROM control.job_events WHERE job_id = \(jobID) ORDER BY seq", logger: logger)
                        .collect().map { try $0.decode(Int.self) }
                    #expect(seqs == Array(1...seqs.count))
                }
                // The resumed owner can log in and use the workspace.
                let login = try await client.request(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "correct horse battery"])
                #expect(login.status == .ok)
                let token = try #require(login.json["access_token"]?.stringValue)
                let list = try await client.request(.get, "/api/v1/recordsets", headers: .bearer(token, workspace: resumedWorkspace.uuidString))
                #expect(list.status == .ok)
            }
        }
    }

    struct WorkspaceShape: Equatable {
        let status: String
        let schemaVersion: Int
        let members: [String]
        let tenantMembers: [String]
        let tables: [String]
        let appliedVersions: [Int]
    }

    func snapshot(of workspaceID: UUID, _ db: PostgresClient) async throws -> WorkspaceShape {
        let schema = SchemaName.tenant(workspaceID)
        let (status, version) = try await db.query(
            "SELECT status, schema_version FROM control.workspaces WHERE id = \(workspaceID)", logger: logger
        ).collect().first!.decode((String, Int).self)
        let members = try await db.query("SELECT role FROM control.workspace_members WHERE workspace_id = \(workspaceID)", logger: logger)
            .collect().map { try $0.decode(String.self) }
        let tenantMembers = try await db.query("SELECT role || ':' || status FROM \(schema.table("members"))", logger: logger)
            .collect().map { try $0.decode(String.self) }
        let tables = try await db.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(schema.name) ORDER BY 1", logger: logger
        ).collect().map { try $0.decode(String.self) }
        let applied = try await db.query("SELECT version FROM \(schema.table("schema_migrations")) ORDER BY 1", logger: logger)
            .collect().map { try $0.decode(Int.self) }
        return WorkspaceShape(status: status, schemaVersion: version, members: members, tenantMembers: tenantMembers, tables: tables, appliedVersions: applied)
    }
}
