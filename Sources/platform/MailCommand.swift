import ArgumentParser
import ControlPlane
import Foundation
import PlatformServer

struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "Outgoing mail.", subcommands: [ListCommand.self], defaultSubcommand: ListCommand.self)

    struct ListCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "What was sent (or is waiting, or failed), newest first. Bodies are never shown: they hold live links.")

        @Option(help: "How many messages.") var limit = 50

        func run() async throws {
            let logger = Runtime.makeLogger(level: .warning)
            let config = try await Runtime.config(logger: logger)
            let entries = try await PlatformServer.withClient(config.database, maximumConnections: 2, logger: logger) { client in
                try await ControlPlane.recentMail(client: client, config: config, limit: limit, logger: logger)
            }
            let time = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false)
            print("queued                status   kind             to                              subject")
            for entry in entries {
                let columns = [
                    entry.createdAt.formatted(time).padding(toLength: 21, withPad: " ", startingAt: 0),
                    entry.status.padding(toLength: 8, withPad: " ", startingAt: 0),
                    entry.kind.padding(toLength: 16, withPad: " ", startingAt: 0),
                    entry.recipient.padding(toLength: 31, withPad: " ", startingAt: 0),
                    entry.subject,
                ]
                print(columns.joined(separator: " "))
                if entry.status != "sent", let error = entry.lastError { print("    attempt \(entry.attempts): \(error)") }
            }
            if config.mail.smtp == nil { print("(delivered as .eml files in \(config.mail.directory.path))") }
        }
    }
}
