import Foundation
import Hummingbird
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
    /// Resolves workspaces for the routes that must work while a schema is behind.
    let staleTolerantResolver: any TenantResolving
    let queue: JobQueue
    let hub: NotificationHub
    let provisioner: Provisioner
    let config: PlatformConfig
    let logger: Logger
    public let authenticator: any Authenticating
    public let tenantResolver: any TenantResolving

    public init(
        client: PostgresClient, config: PlatformConfig, tokens: TokenService, hasher: PasswordHasher,
        migrator: any TenantMigrating, hub: NotificationHub, logger: Logger
    ) async throws {
        let sessions = SessionStore(client: client, tokens: tokens, refreshLifetime: config.refreshTokenLifetime)
        let users = UserRepository(client: client)
        let keys = APIKeyRepository(client: client)
        let queue = JobQueue(client: client, lease: config.jobLease)
        let provisioner = Provisioner(client: client, migrator: migrator, sessions: sessions)
        self.queue = queue
        self.hub = hub
        self.provisioner = provisioner
        self.config = config
        self.logger = logger
        self.auth = AuthController(
            users: users, sessions: sessions, hasher: hasher, queue: queue, provisioner: provisioner,
            throttle: LoginThrottle(),
            jobStreams: JobStreamController(queue: queue, hub: hub, heartbeat: config.sseHeartbeat),
            decoyHash: try await hasher.hash(Digest.base64URL(Digest.randomBytes(16))))
        self.apiKeys = APIKeyController(repository: keys)
        self.authenticator = CredentialAuthenticator(
            tokens: tokens, keys: keys,
            limiter: KeyRateLimiter(perSecond: config.apiKeyRateLimit.perSecond, burst: config.apiKeyRateLimit.burst))
        self.tenantResolver = WorkspaceResolver(client: client, requiredVersion: migrator.latestTenantVersion)
        self.staleTolerantResolver = WorkspaceResolver(client: client, requiredVersion: 0)
        self.migrator = migrator
        self.workspaces = WorkspaceController(
            client: client, queue: queue, migrator: migrator,
            jobStreams: JobStreamController(queue: queue, hub: hub, heartbeat: config.sseHeartbeat))
    }

    /// `group` is `/api/v1`. Public routes first, then those that need credentials, then workspace-scoped ones.
    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        auth.addPublicRoutes(to: group)
        let authenticated = group.group().add(middleware: AuthenticationMiddleware(authenticator))
        auth.addAuthenticatedRoutes(to: authenticated)
        let scoped = authenticated.group()
            .add(middleware: TenantMiddleware(tenantResolver))
            .group(context: TenantContext.self)
        apiKeys.addRoutes(to: scoped)
        let maintenance = authenticated.group()
            .add(middleware: TenantMiddleware(staleTolerantResolver))
            .group(context: TenantContext.self)
        workspaces.addRoutes(to: maintenance)
    }

    /// The job worker: `platform serve` and `platform worker` run it.
    public var worker: any Service {
        JobWorker(
            queue: queue, hub: hub,
            handlers: [
                SignupJobHandler.kind: SignupJobHandler(provisioner: provisioner),
                MigrateWorkspaceJobHandler.kind: MigrateWorkspaceJobHandler(migrator: migrator),
            ],
            concurrency: config.workerConcurrency, pollInterval: config.jobPollInterval, logger: logger)
    }
}
