import ArgumentParser
import Foundation
import PlatformServer

/// The local cluster the embedded default and the test command use.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage a local PostgreSQL cluster.", subcommands: [Start.self, Stop.self])

    struct Options: ParsableArguments {
        @Option(help: "Folder that holds the cluster.") var directory = ".data/pg"
        @Option(help: "Port on 127.0.0.1.") var port = 54320
        @Option(help: "Database to create.") var database = "platform"
        @Flag(help: "fsync off: for throwaway test clusters.") var ephemeral = false

        var cluster: LocalPostgres {
            LocalPostgres(directory: URL(filePath: directory, relativeTo: URL(filePath: FileManager.default.currentDirectoryPath + "/")).standardizedFileURL,
                          port: port, database: database, durable: !ephemeral)
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start (initialising if needed) and print its DATABASE_URL.")
        @OptionGroup var options: Options

        func run() async throws {
            print(try await options.cluster.start(logger: Runtime.makeLogger()).string)
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster.")
        @OptionGroup var options: Options

        func run() async throws { try options.cluster.stop() }
    }
}
