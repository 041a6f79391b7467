import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Creates a user, their workspace and its schema. Every step is idempotent (ids are fixed in the
/// payload, inserts skip what exists, DDL says IF NOT EXISTS), so a job resumed by another worker
/// ends exactly where an uninterrupted one would.
struct Provisioner: Sendable {
    let client: PostgresClient
    let migrator: any TenantMigrating
    let members: WorkspaceMembers
    let sessions: SessionStore
    let trial: Trial
    let billing: StripeBilling

    enum Step: String, CaseIterable, Sendable {
        case validating, creatingUser = "creating_user", creatingWorkspace = "creating_workspace"
        case creatingSchema = "creating_schema", runningMigrations = "running_migrations", seeding

        var progress: Int {
            switch self {
            case .validating: 5
            case .creatingUser: 15
            case .creatingWorkspace: 30
            case .creatingSchema: 45
            case .runningMigrations: 60
            case .seeding: 85
            }
        }

        var message: String {
            switch self {
            case .validating: "Checking your details"
            case .creatingUser: "Creating your account"
            case .creatingWorkspace: "Creating your workspace"
            case .creatingSchema: "Reserving your workspace's database"
            case .runningMigrations: "Preparing your workspace's tables"
            case .seeding: "Adding you to your workspace"
            }
        }
    }

    /// Runs the steps (reporting each before it starts) and finishes with the owner's first session.
    /// `through` stops after that step, which tests use to stand in for a worker that died.
    func provision(
        _ signup: SignupPayload, logger: Logger, through lastStep: Step? = nil,
        report: (Step) async throws -> Void = { _ in }
    ) async throws -> SignupResult? {
        for step in Step.allCases {
            try await report(step)
            try await run(step, signup, logger: logger)
            if step == lastStep { return nil }
        }
        return try await finish(signup, logger: logger)
    }

    private func run(_ step: Step, _ signup: SignupPayload, logger: Logger) async throws {
        switch step {
        case .validating:
            let owner = try await client.value(
                UUID.self, "SELECT id FROM control.users WHERE lower(email) = lower(\(signup.email))", logger: logger)
            if let owner, owner != signup.userID { throw Self.emailTaken }
        case .creatingUser:
            do {
                // With an invite, the user exists only if the invite is theirs.
                try await client.transaction(logger: logger) { connection in
                    try await connection.execute("""
                        INSERT INTO control.users (id, email, full_name, password_hash, clerk_id)
                        VALUES (\(signup.userID), \(signup.email), \(signup.fullName), \(signup.passwordHash), \(signup.clerkID))
                        ON CONFLICT (id) DO NOTHING
                        """, logger: logger)
                    if let invite = signup.inviteID {
                        try await StripeInvites.claim(invite, user: signup.userID, workspace: signup.workspaceID, on: connection, logger: logger)
                    }
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw Self.emailTaken
            }
        case .creatingWorkspace:
            // A warm schema, when one is ready, becomes the workspace's in the same transaction:
            // the next two steps then find it made and current.
            try await client.transaction(logger: logger) { connection in
                let created = try await connection.execute("""
                    INSERT INTO control.workspaces (id, name, slug, schema_name, created_by)
                    VALUES (\(signup.workspaceID), \(signup.companyName), \(signup.slug), \(migrator.schemaName(of: signup.workspaceID)), \(signup.userID))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """, logger: logger) == 1
                let subscription = signup.inviteID.map { StripeInvites.openSubscription($0, workspace: signup.workspaceID, trial: trial) }
                    ?? Subscriptions.open(signup.workspaceID, trial: trial)
                try await connection.execute(try subscription.query, logger: logger)
                if created { _ = try await migrator.claimWarmSchema(for: signup.workspaceID, on: connection, logger: logger) }
            }
        case .creatingSchema:
            try await migrator.createTenantSchema(workspaceID: signup.workspaceID, logger: logger)
        case .runningMigrations:
            try await migrator.migrateTenant(workspaceID: signup.workspaceID, logger: logger)
        case .seeding:
            try await members.add(userID: signup.userID, to: signup.workspaceID, role: .owner, logger: logger)
            try await PermissionCatalog.seed(on: try await members.tenantDatabase(signup.workspaceID, logger: logger), logger: logger)
        }
    }

    private func finish(_ signup: SignupPayload, logger: Logger) async throws -> SignupResult {
        try await client.execute("""
            UPDATE control.workspaces SET status = 'active', updated_at = now()
            WHERE id = \(signup.workspaceID) AND status = 'provisioning'
            """, logger: logger)
        let checkoutURL = await billing.afterSignup(signup, logger: logger)
        let session = try await sessions.issue(userID: signup.userID, logger: logger)
        return SignupResult(
            accessToken: session.accessToken, refreshToken: session.refreshToken, tokenType: session.tokenType,
            expiresIn: session.expiresIn, userID: signup.userID, workspaceID: signup.workspaceID,
            workspaceName: signup.companyName, checkoutURL: checkoutURL)
    }

    /// A signup while the caller waits: a taken email or a spent invite is the caller's 409, and
    /// anything else removes what was made.
    func provisionNow(_ signup: SignupPayload, logger: Logger) async throws -> SignupResult {
        do {
            guard let result = try await provision(signup, logger: logger) else { throw AppError.internalError }
            return result
        } catch let failure as PermanentJobFailure where failure.code == Self.emailTaken.code {
            throw AuthController.emailTaken
        } catch let failure as PermanentJobFailure where failure.code == StripeInvites.used.code {
            throw StripeInvites.used
        } catch {
            await discard(signup, logger: logger)
            throw error
        }
    }

    /// Removes what a failed synchronous signup created, so nothing half-made is left behind.
    func discard(_ signup: SignupPayload, logger: Logger) async {
        do {
            try await StripeInvites.release(workspace: signup.workspaceID, on: client, logger: logger)
            try await migrator.dropTenantSchema(workspaceID: signup.workspaceID, logger: logger)
            try await client.execute("DELETE FROM control.workspaces WHERE id = \(signup.workspaceID)", logger: logger)
            try await client.execute("DELETE FROM control.users WHERE id = \(signup.userID)", logger: logger)
        } catch {
            logger.error("could not clean up a failed signup", metadata: ["error": "\(error)"])
        }
    }

    static let emailTaken = PermanentJobFailure(code: "email_taken", message: "An account with this email already exists.")
}

/// The `signup` job: the provisioner, reporting each step as job progress. Its result hands the
/// owner's first session to whoever holds the job id, so the tokens are stored sealed (AES-GCM
/// under a key derived from the server's secret), opened only when the job is read within 15
/// minutes, and erased after that (`ControlSweep`): never at rest in plaintext.
struct SignupJob: JobDefinition {
    static let kind = "signup"
    static let sealedField = "sealed_session"
    static let secretFields = ["access_token", "refresh_token"]
    let provisioner: Provisioner
    let box: SecretBox

    func run(_ payload: SignupPayload, _ job: JobRun) async throws -> JSONValue {
        let result = try await provisioner.provision(payload, logger: job.logger) { step in
            try await job.report(step.progress, step: step.rawValue, message: step.message)
        }
        guard let result else { throw PermanentJobFailure(code: "incomplete", message: "Provisioning stopped early.") }
        return try Self.seal(JSONValue(encoding: result), with: box)
    }

    /// The result with its tokens moved into one sealed field.
    static func seal(_ result: JSONValue, with box: SecretBox) throws -> JSONValue {
        guard var fields = result.objectValue else { return result }
        let secrets = fields.filter { secretFields.contains($0.key) }
        secretFields.forEach { fields[$0] = nil }
        fields[sealedField] = .string(try box.seal(JobStreamController.json(JSONValue.object(secrets))).base64EncodedString())
        return .object(fields)
    }

    /// The result as its reader sees it: the tokens back in place while the seal is there and opens.
    static func reveal(_ result: JSONValue?, with box: SecretBox) -> JSONValue? {
        guard var fields = result?.objectValue, let sealed = fields.removeValue(forKey: sealedField) else { return result }
        if let data = sealed.stringValue.flatMap({ Data(base64Encoded: $0) }), let opened = try? box.open(data),
           let secrets = try? JSONDecoder().decode(JSONValue.self, from: Data(opened.utf8)).objectValue {
            fields.merge(secrets) { current, _ in current }
        }
        return .object(fields)
    }
}
