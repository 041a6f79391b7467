import ArgumentParser
import Foundation
import Migrator
import PlatformServer

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations: the control schema, then every tenant schema.",
        subcommands: [ApplyCommand.self, StatusCommand.self],
        defaultSubcommand: ApplyCommand.self)

    struct ApplyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "apply", abstract: "Apply pending migrations (the default).")

        @Option(help: "Tenant schemas migrated at once.") var concurrency = 4
        @Flag(help: "Report what would run and change nothing.") var dryRun = false

        func run() async throws {
            let logger = Runtime.makeLogger()
            let database = try await Runtime.database(logger: logger)
            let failed = try await PlatformServer.withClient(database, maximumConnections: concurrency + 2, logger: logger) { client in
                let migrator = Migrator(client: client, logger: logger)
                if dryRun {
                    let plan = try await migrator.plan()
                    print("control: \(plan.control.isEmpty ? "up to date" : plan.control.joined(separator: ", "))")
                    print("tenants behind: \(plan.tenants.count)")
                    for tenant in plan.tenants {
                        print("  \(tenant.workspaceID) at \(tenant.currentVersion): \(tenant.pending.joined(separator: ", "))")
                    }
                    return 0
                }
                let applied = try await migrator.migrateControl()
                print("control: \(applied.isEmpty ? "up to date" : "applied " + applied.map(\.fileName).joined(separator: ", "))")
                let report = try await migrator.migrateTenants(concurrency: concurrency) { event in
                    switch event {
                    case .applied(let schema, let file, let ms): print("  \(schema): \(file) (\(ms) ms)")
                    case .schemaFailed(let schema, let error): print("  \(schema): FAILED \(error)")
                    case .schemaDone: break
                    }
                }
                print("tenants: \(report.candidates) behind, \(report.succeeded) migrated, \(report.failures.count) failed in \(report.duration)")
                return report.failures.count
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct StatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Per schema: version, pending files, last error.")

        func run() async throws {
            let logger = Runtime.makeLogger()
            let database = try await Runtime.database(logger: logger)
            let statuses = try await PlatformServer.withClient(database, maximumConnections: 2, logger: logger) { client in
                try await Migrator(client: client, logger: logger).status()
            }
            print("schema".padding(toLength: 38, withPad: " ", startingAt: 0) + "version  pending  last error")
            for status in statuses {
                let line = status.schema.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + String(status.version).padding(toLength: 9, withPad: " ", startingAt: 0)
                    + String(status.pending.count).padding(toLength: 9, withPad: " ", startingAt: 0)
                    + (status.lastError ?? "-")
                print(line)
                if !status.pending.isEmpty { print("    pending: " + status.pending.joined(separator: ", ")) }
            }
        }
    }
}
