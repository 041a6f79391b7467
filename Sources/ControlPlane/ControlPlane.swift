import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO
import ServiceLifecycle

/// Identities, workspaces, API keys and provisioning jobs: everything in the `control` schema.
public struct ControlPlane: Sendable {
    let auth: AuthController
    let apiKeys: APIKeyController
    let workspaces: WorkspaceController
    let migrator: any TenantMigrating
    let queue: JobQueue
    let hub: NotificationHub
    let provisioner: Provisioner
    let config: PlatformConfig
    let logger: Logger
    public let authenticator: any Authenticating
    public let workspaceResolver: any WorkspaceResolving
    /// Adding members writes both databases; test fixtures use it too.
    public let members: WorkspaceMembers

    public init(
        client: PostgresClient, tenants: TenantPools, config: PlatformConfig, tokens: TokenService, hasher: PasswordHasher,
        migrator: any TenantMigrating, hub: NotificationHub, logger: Logger
    ) async throws {
        let sessions = SessionStore(client: client, tokens: tokens, refreshLifetime: config.refreshTokenLifetime)
        let keys = APIKeyRepository(client: client)
        let queue = JobQueue(client: client, lease: config.jobLease)
        let members = WorkspaceMembers(client: client, tenants: tenants)
        let provisioner = Provisioner(client: client, migrator: migrator, members: members, sessions: sessions)
        let jobs = JobStreamController(queue: queue, hub: hub, heartbeat: config.sseHeartbeat)
        self.queue = queue
        self.hub = hub
        self.provisioner = provisioner
        self.config = config
        self.logger = logger
        self.members = members
        self.migrator = migrator
        self.auth = AuthController(
            users: UserRepository(client: client), sessions: sessions, hasher: hasher, queue: queue, provisioner: provisioner,
            throttle: LoginThrottle(), jobs: jobs,
            decoyHash: try await hasher.hash(Digest.base64URL(Digest.randomBytes(16))))
        self.apiKeys = APIKeyController(repository: keys)
        self.authenticator = CredentialAuthenticator(
            tokens: tokens, keys: keys,
            limiter: KeyRateLimiter(perSecond: config.apiKeyRateLimit.perSecond, burst: config.apiKeyRateLimit.burst))
        self.workspaceResolver = WorkspaceResolver(client: client)
        self.workspaces = WorkspaceController(client: client, queue: queue, migrator: migrator, jobs: jobs)
    }

    public func addRoutes(to routes: RouteTable) {
        auth.addRoutes(to: routes)
        apiKeys.addRoutes(to: routes)
        workspaces.addRoutes(to: routes)
    }

    /// The job worker that `platform serve` runs.
    public var worker: any Service {
        Self.worker(queue: queue, provisioner: provisioner, migrator: migrator, hub: hub, config: config, logger: logger)
    }

    /// The job worker alone, for `platform worker`: no HTTP side, no password hashing.
    public static func worker(
        client: PostgresClient, tenants: TenantPools, config: PlatformConfig, tokens: TokenService,
        migrator: any TenantMigrating, hub: NotificationHub, logger: Logger
    ) -> any Service {
        let sessions = SessionStore(client: client, tokens: tokens, refreshLifetime: config.refreshTokenLifetime)
        let provisioner = Provisioner(
            client: client, migrator: migrator, members: WorkspaceMembers(client: client, tenants: tenants), sessions: sessions)
        return worker(
            queue: JobQueue(client: client, lease: config.jobLease), provisioner: provisioner, migrator: migrator, hub: hub,
            config: config, logger: logger)
    }

    private static func worker(
        queue: JobQueue, provisioner: Provisioner, migrator: any TenantMigrating, hub: NotificationHub, config: PlatformConfig, logger: Logger
    ) -> any Service {
        JobWorker(
            queue: queue, hub: hub,
            handlers: [
                SignupJob.kind: TypedJobHandler(definition: SignupJob(provisioner: provisioner)),
                MigrateWorkspaceJob.kind: TypedJobHandler(definition: MigrateWorkspaceJob(migrator: migrator)),
            ],
            concurrency: config.workerConcurrency, pollInterval: config.jobPollInterval, logger: logger)
    }
}
