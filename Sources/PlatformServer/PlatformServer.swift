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

/// The composition root, shared by the `platform` binary, the tests and the benchmarks.
public enum PlatformServer {
    /// Builds the application. The returned app runs the database pool, the notification listener
    /// and (if asked) the job worker as services, and migrates the control schema before it listens.
    public static func buildApplication(
        config: PlatformConfig,
        parts: PlatformParts = .all,
        catalog: MigrationCatalog = .embedded,
        metrics: PrometheusCollectorRegistry? = nil,
        migrateTenantsAtStart: Bool = false,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
        logger: Logger
    ) async throws -> some ApplicationProtocol {
        let client = PostgresClient(
            configuration: try config.database.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let migrator = Migrator(client: client, catalog: catalog, logger: logger)
        let hub = NotificationHub()
        let controlPlane = try await ControlPlane(
            client: client, config: config,
            tokens: await TokenService(secret: config.jwtSecret, accessTokenLifetime: config.accessTokenLifetime),
            hasher: PasswordHasher(cost: config.passwordHashing),
            migrator: migrator, hub: hub, logger: logger)

        let router = buildRouter(
            client: client, migrator: migrator, controlPlane: controlPlane, parts: parts, metrics: metrics)

        var services: [any Service] = [client, DatabaseListener(client: client, hub: hub, logger: logger)]
        if parts.contains(.worker) { services.append(controlPlane.worker) }
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
            if migrateTenantsAtStart {
                let report = try await migrator.migrateTenants(concurrency: 4)
                logger.info("tenant schemas checked", metadata: [
                    "behind": "\(report.candidates)", "migrated": "\(report.succeeded)", "failed": "\(report.failures.count)",
                ])
            }
        }
        return app
    }

    /// `platform worker`: the pool, the listener and the job worker, without HTTP.
    public static func runWorker(config: PlatformConfig, logger: Logger) async throws {
        let client = PostgresClient(
            configuration: try config.database.clientConfiguration(maximumConnections: config.maximumConnections),
            backgroundLogger: logger)
        let hub = NotificationHub()
        let controlPlane = try await ControlPlane(
            client: client, config: config,
            tokens: await TokenService(secret: config.jwtSecret, accessTokenLifetime: config.accessTokenLifetime),
            hasher: PasswordHasher(cost: config.passwordHashing),
            migrator: Migrator(client: client, logger: logger), hub: hub, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [client, DatabaseListener(client: client, hub: hub, logger: logger), controlPlane.worker],
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

    static func buildRouter(
        client: PostgresClient, migrator: Migrator, controlPlane: ControlPlane, parts: PlatformParts,
        metrics: PrometheusCollectorRegistry?
    ) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if metrics != nil { router.add(middleware: MetricsMiddleware()) }

        router.get("/health") { _, _ in ["status": "ok"] }
        router.get("/ready") { _, context in
            try await readiness(client: client, migrator: migrator, context: context)
        }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }

        let api = router.group("api/v1")
        if parts.contains(.controlAPI) { controlPlane.addRoutes(to: api) }
        if parts.contains(.tenantAPI) {
            let tenantRoutes = api.group()
                .add(middleware: AuthenticationMiddleware(controlPlane.authenticator))
                .add(middleware: TenantMiddleware(controlPlane.tenantResolver))
                .group(context: TenantContext.self)
            TenantPlane(client: client).addRoutes(to: tenantRoutes)
        }
        return router
    }

    /// Ready when the database answers and the control schema is at this build's version.
    static func readiness(client: PostgresClient, migrator: Migrator, context: AppRequestContext) async throws -> [String: String] {
        let version: Int
        do {
            version = try await client.query(
                "SELECT COALESCE(max(version), 0)::int FROM control.schema_migrations", logger: context.logger
            ).collect().first?.decode(Int.self) ?? 0
        } catch {
            throw AppError.unavailable("database_unavailable", "The database is not reachable.", retryAfter: 5)
        }
        guard version >= migrator.catalog.latestControlVersion else {
            throw AppError.unavailable("migration_required", "The control schema is behind this build.", retryAfter: 5)
        }
        return ["status": "ready", "control_version": String(version)]
    }
}
