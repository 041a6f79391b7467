import ControlPlane
import Foundation
import Hummingbird
import Logging
import Migrator
import PlatformAuth
import PlatformCore
import PostgresNIO
import Prometheus
import ServiceLifecycle
import TenantPlane

/// Which parts one process runs: all of them (`platform serve`), or one (`serve control`,
/// `serve tenant`, `worker`) so they scale independently.
public struct PlatformParts: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let controlAPI = PlatformParts(rawValue: 1)
    public static let tenantAPI = PlatformParts(rawValue: 2)
    public static let worker = PlatformParts(rawValue: 4)
    public static let all: PlatformParts = [.controlAPI, .tenantAPI, .worker]
}

/// What a built platform exposes besides its application: its operations, the routes the router
/// really has, its OpenAPI document, and the member service (test fixtures add members with it).
public struct PlatformInventory: Sendable {
    public let operations: [APIOperation]
    public let registeredRoutes: [String]
    public let document: JSONValue
    public let contract: APIContract
    public let members: WorkspaceMembers
}

/// The composition root, shared by the `platform` binary, the tests and the benchmarks.
public enum PlatformServer {
    /// Builds the application. It runs the pools, the notification listener and (if asked) the job
    /// worker as services, and migrates the control schema before it listens.
    public static func buildApplication(
        config: PlatformConfig,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        metrics: PrometheusCollectorRegistry? = nil,
        migrateTenantsAtStart: Bool = false,
        membershipFaults: MembershipFaults = MembershipFaults(),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
        logger: Logger
    ) async throws -> (app: some ApplicationProtocol, inventory: PlatformInventory) {
        let client = PostgresClient(
            configuration: try config.database.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let tenantClient = PostgresClient(
            configuration: try config.tenantDatabase.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let tenants = TenantPools([TenantPools.primary: tenantClient])
        let migrator = Migrator(client: client, catalog: catalog, logger: logger)
        let hub = NotificationHub()
        let visibilityProviders = Self.visibilityProviders(config)
        let controlPlane = try await ControlPlane(
            client: client, tenants: tenants, config: config,
            tokens: await TokenService(secret: config.jwtSecret, accessTokenLifetime: config.accessTokenLifetime),
            hasher: PasswordHasher(cost: config.passwordHashing),
            migrator: migrator, hub: hub, membershipFaults: membershipFaults, maintenance: TenantPlane.maintenance,
            tenantJobs: TenantPlane.jobs(providers: visibilityProviders), logger: logger)

        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if metrics != nil { router.add(middleware: MetricsMiddleware()) }
        let routes = RouteTable(router: router, gates: Gates(
            authenticator: controlPlane.authenticator, workspaces: controlPlane.workspaceResolver, tenants: tenants,
            tenantVersion: migrator.latestTenantVersion, control: client, signer: config.callbackSigner, limits: controlPlane.limits,
            accessObservers: controlPlane.accessCaches, trustedProxies: config.trustedProxies))
        let documentBox = InfrastructureRoutes(client: client, migrator: migrator, metrics: metrics).addRoutes(to: routes)
        if parts.contains(.controlAPI) { controlPlane.addRoutes(to: routes) }
        if parts.contains(.tenantAPI) {
            TenantPlane(
                config: config, hub: hub, languageModel: ProviderLanguageModel.configured(config.ai), tokenPrice: ProviderLanguageModel.tokenPrice,
                ledger: controlPlane.credits, jobs: controlPlane.tenantJobQueue, providers: visibilityProviders
            ).addRoutes(to: routes)
        }
        let document = try OpenAPIDocument.build(routes.operations)
        documentBox.publish(document)

        let listener = DatabaseListener(client: client, hub: hub, observers: controlPlane.accessCaches, logger: logger)
        var services: [any Service] = [client, tenantClient, listener]
        if parts.contains(.worker) { services += controlPlane.worker }
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "platform"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
        app.beforeServerStarts {
            let applied = try await migrator.migrateControl()
            logger.info("control schema ready", metadata: [
                "expected_version": "\(catalog.latestControlVersion)", "applied_now": "\(applied.map(\.fileName))",
                "tenant_version": "\(catalog.latestTenantVersion)",
            ])
            try await checkTenantRole(tenantClient, url: config.tenantDatabase, logger: logger)
            if migrateTenantsAtStart {
                let report = try await migrator.migrateTenants(concurrency: 4)
                logger.info("tenant schemas checked", metadata: [
                    "behind": "\(report.candidates)", "migrated": "\(report.succeeded)", "failed": "\(report.failures.count)",
                ])
            }
        }
        let inventory = PlatformInventory(
            operations: routes.operations, registeredRoutes: router.routes.map { "\($0.method) \($0.path)" }, document: document,
            contract: try APIContract(routes.operations), members: controlPlane.members)
        return (app, inventory)
    }

    /// Fails start-up with advice when the tenant pools cannot connect, instead of every tenant request failing later.
    static func checkTenantRole(_ client: PostgresClient, url: DatabaseURL, logger: Logger) async throws {
        do {
            let user = try await client.value(String.self, "SELECT current_user::text", logger: logger)
            logger.debug("tenant pool connected", metadata: ["role": "\(user ?? "?")"])
        } catch {
            throw ConfigError.invalid(
                "TENANT_DATABASE_URL",
                "the tenant pool cannot connect as \(url.username) (\(error)); set TENANT_DATABASE_URL to a login role that is a member of \(TenantPools.role)")
        }
    }

    /// `platform worker`: the pools, the listener and the job worker, without HTTP.
    public static func runWorker(config: PlatformConfig, logger: Logger) async throws {
        let client = PostgresClient(
            configuration: try config.database.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let tenantClient = PostgresClient(
            configuration: try config.tenantDatabase.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let hub = NotificationHub()
        let workers = try ControlPlane.worker(
            client: client, tenants: TenantPools([TenantPools.primary: tenantClient]), config: config,
            tokens: await TokenService(secret: config.jwtSecret, accessTokenLifetime: config.accessTokenLifetime),
            migrator: Migrator(client: client, logger: logger), hub: hub, maintenance: TenantPlane.maintenance,
            tenantJobs: TenantPlane.jobs(providers: Self.visibilityProviders(config)), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [client, tenantClient, DatabaseListener(client: client, hub: hub, logger: logger)] + workers,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Runs `body` with a started pool, closing it afterwards (commands and benchmarks).
    public static func withClient<T: Sendable>(
        _ url: DatabaseURL, maximumConnections: Int = 20, logger: Logger,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try url.clientConfiguration(maximumConnections: maximumConnections), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            do {
                let result = try await body(client)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
