import ArgumentParser

@main
struct Platform: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform",
        abstract: "A multi-tenant, schema-per-tenant platform.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, DBCommand.self, MailCommand.self, BenchCommand.self, SoakCommand.self,
            VisibilityCommand.self,
        ])
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against a real PostgreSQL, each printed beside a raw-PostgreSQL baseline.",
        subcommands: [
            BenchProvisionCommand.self, BenchMigrateCommand.self, BenchMemoryCommand.self, BenchReadCommand.self, BenchAuthCommand.self, BenchTenantCommand.self, BenchChannelsCommand.self, BenchVisibilityCommand.self, BenchAnalyzeCommand.self,
        ])
}
