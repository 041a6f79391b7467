import ArgumentParser
import Foundation
import Hummingbird
import Metrics
import PlatformServer
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the API. `serve` runs everything in one process; `serve control` or `serve tenant` runs one part.")

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case all, control, tenant
    }

    @Argument(help: "all, control or tenant") var part: Part = .all
    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on (also PORT).") var port: Int?
    @Flag(help: "Do not fan pending tenant migrations out at start.") var skipTenantMigrations = false

    func run() async throws {
        let logger = Runtime.makeLogger()
        let config = try await Runtime.config(host: host, port: port, logger: logger)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let parts: PlatformParts = switch part {
        case .all: .all
        case .control: .controlAPI
        case .tenant: .tenantAPI
        }
        let (app, _) = try await PlatformServer.buildApplication(
            config: config, parts: parts, metrics: registry,
            migrateTenantsAtStart: part == .all && !skipTenantMigrations, logger: logger)
        logger.info("serving", metadata: ["address": "http://\(config.host):\(config.port)"])
        try await app.runService()
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run only the job worker.")

    func run() async throws {
        let logger = Runtime.makeLogger()
        let config = try await Runtime.config(logger: logger)
        try await PlatformServer.runWorker(config: config, logger: logger)
    }
}
