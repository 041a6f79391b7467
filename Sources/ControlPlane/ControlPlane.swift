import Foundation
import Logging
import NIOSSL
import PlatformAuth
import PlatformCore
import PlatformMail
import PostgresNIO
import ServiceLifecycle

/// Identities, workspaces, API keys and provisioning jobs: everything in the `control` schema.
public struct ControlPlane: Sendable {
    let auth: AuthController
    let accounts: AccountController
    let profiles: ProfileController
    let impersonation: ImpersonationController
    let clerk: ClerkController
    let files: FileController
    let auditLog: AuditController
    let apiKeys: APIKeyController
    let workspaces: WorkspaceController
    let workspaceDirectory: WorkspacesController
    let invitations: InvitationController
    let memberDirectory: MemberController
    let creditController: CreditController
    let billing: BillingController
    let subscriptionController: SubscriptionController
    let subscriptions: Subscriptions
    let checkout: CheckoutController
    let stripeInvites: StripeInviteController
    let migrator: any TenantMigrating
    let queue: JobQueue
    let hub: NotificationHub
    let provisioner: Provisioner
    let mailSender: MailSender
    let config: PlatformConfig
    let maintenance: [any TenantMaintenance]
    let tenantJobs: [any TenantJob]
    let logger: Logger
    public let authenticator: any Authenticating
    public let workspaceResolver: any WorkspaceResolving
    /// The access caches (keys, memberships): the database listener empties them on `access`.
    public let accessCaches: [any NotificationObserver]
    /// Adding members writes both databases; test fixtures use it too.
    public let members: WorkspaceMembers
    /// The credit ledger, which the tenant plane charges for visibility runs.
    public let credits: any CreditLedger
    /// Each workspace's limits, which the tenant plane's writes check (`Quota`).
    public let limits: any WorkspaceLimits
    /// The job queue, where the tenant plane schedules its `TenantJob`s.
    public var tenantJobQueue: any TenantJobQueue { queue }

    public init(
        client: PostgresClient, tenants: TenantPools, config: PlatformConfig, tokens: TokenService, hasher: PasswordHasher,
        migrator: any TenantMigrating, hub: NotificationHub, membershipFaults: MembershipFaults = MembershipFaults(),
        maintenance: [any TenantMaintenance] = [], tenantJobs: [any TenantJob] = [], logger: Logger
    ) async throws {
        let sessions = SessionStore(client: client, tokens: tokens, refreshLifetime: config.refreshTokenLifetime, grace: config.refreshGrace)
        let queue = JobQueue(client: client, lease: config.jobLease)
        let members = WorkspaceMembers(client: client, tenants: tenants, faults: membershipFaults)
        let catalog = BillingCatalog(client: client, members: members)
        let keys = APIKeyRepository(client: client, catalog: catalog, cacheLifetime: config.accessCacheLifetime)
        let outbox = Self.outbox(client: client, config: config)
        let stripe = Self.billing(client: client, config: config, outbox: outbox)
        let provisioner = Provisioner(client: client, migrator: migrator, members: members, sessions: sessions, trial: config.trial, billing: stripe)
        let jobs = JobStreamController(queue: queue, hub: hub, heartbeat: config.sseHeartbeat)
        let users = UserRepository(client: client)
        let audit = AuditLog(client: client)
        let oneTimeTokens = OneTimeTokens(client: client)
        let secrets = Throttle(client: client)
        let storage = LocalFileStorage(root: config.filesDirectory)
        let signer = URLSigner(secret: config.jwtSecret)
        self.queue = queue
        self.hub = hub
        self.provisioner = provisioner
        self.config = config
        self.maintenance = maintenance
        self.tenantJobs = tenantJobs
        self.logger = logger
        self.members = members
        self.migrator = migrator
        self.mailSender = MailSender(outbox: outbox, transport: try Self.transport(config.mail), hub: hub, pollInterval: config.mail.pollInterval, logger: logger)
        self.auth = AuthController(
            users: users, sessions: sessions, hasher: hasher, queue: queue, provisioner: provisioner,
            throttle: secrets, limits: config.throttles, audit: audit, jobs: jobs, signupResults: Self.signupResults(config),
            decoyHash: try await hasher.hash(Digest.base64URL(Digest.randomBytes(16))))
        let templates = MailTemplates(publicURL: config.publicURL)
        let accounts = AccountController(
            client: client, users: users, tokens: oneTimeTokens, outbox: outbox, templates: templates,
            audit: audit, sessions: sessions, hasher: hasher, secrets: secrets)
        self.accounts = accounts
        let avatars = Avatars(users: users, storage: storage, signer: signer, publicURL: config.publicURL)
        self.profiles = ProfileController(client: client, users: users, members: members, avatars: avatars, audit: audit)
        self.memberDirectory = MemberController(client: client, members: members, catalog: catalog, avatars: avatars, audit: audit)
        self.impersonation = ImpersonationController(
            client: client, users: users, tokens: oneTimeTokens, sessions: sessions, audit: audit, accounts: accounts)
        self.clerk = ClerkController(client: client, secret: config.clerkSecret, sessions: sessions, secrets: secrets, audit: audit)
        self.files = FileController(storage: storage, signer: signer)
        self.auditLog = AuditController(log: audit)
        self.apiKeys = APIKeyController(repository: keys, audit: audit)
        self.authenticator = CredentialAuthenticator(
            tokens: tokens, keys: keys,
            limiter: KeyRateLimiter(perSecond: config.apiKeyRateLimit.perSecond, burst: config.apiKeyRateLimit.burst),
            userLimiter: KeyRateLimiter(perSecond: config.userRateLimit.perSecond, burst: config.userRateLimit.burst))
        let resolver = WorkspaceResolver(client: client, cacheLifetime: config.accessCacheLifetime)
        self.workspaceResolver = resolver
        self.accessCaches = [keys.cache, resolver.cache]
        self.workspaces = WorkspaceController(client: client, queue: queue, migrator: migrator, jobs: jobs)
        self.workspaceDirectory = WorkspacesController(
            client: client, queue: queue, migrator: migrator, users: users, sessions: sessions, tokens: oneTimeTokens, outbox: outbox,
            templates: templates, audit: audit, jobs: jobs, trial: config.trial)
        self.limits = catalog
        self.billing = BillingController(catalog: catalog, users: users, audit: audit)
        self.subscriptions = stripe.subscriptions
        self.subscriptionController = SubscriptionController(subscriptions: subscriptions, billing: stripe, users: users)
        self.checkout = CheckoutController(billing: stripe, users: users, trial: config.trial)
        self.stripeInvites = StripeInviteController(
            invites: stripe.invites, users: users, hasher: hasher, queue: queue, provisioner: provisioner, secrets: secrets)
        let creditAccounts = CreditAccounts(client: client, initialGrant: config.initialCredits, catalog: catalog)
        self.credits = creditAccounts
        self.creditController = CreditController(accounts: creditAccounts, users: users, audit: audit)
        self.invitations = InvitationController(
            client: client, users: users, members: members, tokens: oneTimeTokens, outbox: outbox, templates: templates, audit: audit,
            sessions: sessions, hasher: hasher, accounts: accounts, catalog: catalog)
    }

    public func addRoutes(to routes: RouteTable) {
        auth.addRoutes(to: routes)
        accounts.addRoutes(to: routes)
        profiles.addRoutes(to: routes)
        impersonation.addRoutes(to: routes)
        clerk.addRoutes(to: routes)
        files.addRoutes(to: routes)
        auditLog.addRoutes(to: routes)
        apiKeys.addRoutes(to: routes)
        workspaces.addRoutes(to: routes)
        workspaceDirectory.addRoutes(to: routes)
        invitations.addRoutes(to: routes)
        memberDirectory.addRoutes(to: routes)
        creditController.addRoutes(to: routes)
        billing.addRoutes(to: routes)
        subscriptionController.addRoutes(to: routes)
        checkout.addRoutes(to: routes)
        stripeInvites.addRoutes(to: routes)
    }

    /// The job worker and the mail sender, which `platform serve` runs.
    public var worker: [any Service] {
        [
            Self.worker(
                queue: queue, provisioner: provisioner, migrator: migrator, hub: hub, config: config, maintenance: maintenance,
                tenantJobs: tenantJobs, ledger: credits, logger: logger),
            mailSender, MembershipRepair(members: members, logger: logger),
            MaintenanceSchedule(queue: queue, kinds: maintenance.map(\.kind), logger: logger),
            SubscriptionClock(subscriptions: subscriptions, queue: queue, logger: logger),
        ] + Self.warmSchemas(migrator: migrator, hub: hub, config: config, logger: logger)
    }

    /// The warm schemas' refill, when the configuration keeps any.
    private static func warmSchemas(migrator: any TenantMigrating, hub: NotificationHub, config: PlatformConfig, logger: Logger) -> [any Service] {
        config.warmSchemas > 0 ? [WarmSchemaRefill(migrator: migrator, hub: hub, count: config.warmSchemas, logger: logger)] : []
    }

    /// The job worker and mail sender alone, for `platform worker`: no HTTP side, no password hashing.
    public static func worker(
        client: PostgresClient, tenants: TenantPools, config: PlatformConfig, tokens: TokenService,
        migrator: any TenantMigrating, hub: NotificationHub, maintenance: [any TenantMaintenance] = [], tenantJobs: [any TenantJob] = [],
        logger: Logger
    ) throws -> [any Service] {
        let sessions = SessionStore(client: client, tokens: tokens, refreshLifetime: config.refreshTokenLifetime, grace: config.refreshGrace)
        let members = WorkspaceMembers(client: client, tenants: tenants)
        let provisioner = Provisioner(
            client: client, migrator: migrator, members: members, sessions: sessions, trial: config.trial,
            billing: billing(client: client, config: config))
        let queue = JobQueue(client: client, lease: config.jobLease)
        let jobs = worker(
            queue: queue, provisioner: provisioner, migrator: migrator, hub: hub, config: config, maintenance: maintenance, tenantJobs: tenantJobs,
            ledger: CreditAccounts(client: client, initialGrant: config.initialCredits, catalog: BillingCatalog(client: client, members: members)),
            logger: logger)
        let mail = MailSender(
            outbox: outbox(client: client, config: config), transport: try transport(config.mail), hub: hub,
            pollInterval: config.mail.pollInterval, logger: logger)
        return [
            jobs, mail, MembershipRepair(members: members, logger: logger),
            MaintenanceSchedule(queue: queue, kinds: maintenance.map(\.kind), logger: logger),
            SubscriptionClock(subscriptions: Subscriptions(client: client), queue: queue, logger: logger),
            ControlSweep(client: client, logger: logger),
        ] + warmSchemas(migrator: migrator, hub: hub, config: config, logger: logger)
    }

    /// What `platform mail list` prints: the outbox, newest first.
    public static func recentMail(client: PostgresClient, config: PlatformConfig, limit: Int, logger: Logger) async throws -> [MailLogEntry] {
        try await outbox(client: client, config: config).recent(limit: limit, logger: logger)
    }

    /// Billing, through Stripe when `STRIPE_SECRET_KEY` is set.
    static func billing(client: PostgresClient, config: PlatformConfig, outbox: Outbox? = nil) -> StripeBilling {
        let outbox = outbox ?? Self.outbox(client: client, config: config)
        return StripeBilling(
            client: client, stripe: config.stripe.map { StripeClient(httpClient: .shared, secretKey: $0.secretKey, baseURL: $0.apiBase) },
            settings: config.stripe, subscriptions: Subscriptions(client: client),
            invites: StripeInvites(client: client, outbox: outbox, templates: MailTemplates(publicURL: config.publicURL), secret: config.jwtSecret),
            publicURL: config.publicURL)
    }

    /// Seals the tokens in signup jobs' results.
    static func signupResults(_ config: PlatformConfig) -> SecretBox {
        SecretBox(secret: config.jwtSecret, purpose: "signup results")
    }

    private static func outbox(client: PostgresClient, config: PlatformConfig) -> Outbox {
        Outbox(
            client: client, box: SecretBox(secret: config.jwtSecret, purpose: "mail outbox"), from: config.mail.from,
            retryDelay: config.mail.retryDelay)
    }

    /// SMTP when `SMTP_URL` is set (STARTTLS when offered, `SMTP_CA_FILE` trusted besides the
    /// system's roots), otherwise `.eml` files in `MAIL_DIR`.
    static func transport(_ settings: MailSettings) throws -> any MailTransport {
        guard let url = settings.smtp else { return DirectoryTransport(directory: settings.directory) }
        let roots: NIOSSLTrustRoots = settings.certificateAuthorities.map { .file($0.path) } ?? .default
        return try SMTPTransport(url: url, tls: .startTLSWhenOffered(trustRoots: roots))
    }

    private static func worker(
        queue: JobQueue, provisioner: Provisioner, migrator: any TenantMigrating, hub: NotificationHub, config: PlatformConfig,
        maintenance: [any TenantMaintenance], tenantJobs: [any TenantJob], ledger: any CreditLedger, logger: Logger
    ) -> any Service {
        var handlers: [String: any JobHandler] = [
                SignupJob.kind: TypedJobHandler(definition: SignupJob(provisioner: provisioner, box: signupResults(config))),
                MigrateWorkspaceJob.kind: TypedJobHandler(definition: MigrateWorkspaceJob(migrator: migrator)),
                ProvisionWorkspaceJob.kind: TypedJobHandler(
                    definition: ProvisionWorkspaceJob(client: provisioner.client, migrator: migrator, members: provisioner.members)),
        ]
        for task in maintenance {
            handlers[task.kind] = TenantMaintenanceJob(task: task, client: provisioner.client, members: provisioner.members)
        }
        for job in tenantJobs {
            handlers[job.kind] = TenantJobHandler(job: job, members: provisioner.members, ledger: ledger)
        }
        return JobWorker(
            queue: queue, hub: hub, handlers: handlers, concurrency: config.workerConcurrency, pollInterval: config.jobPollInterval, logger: logger)
    }
}
