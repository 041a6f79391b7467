import Foundation
import PackagePlugin

/// Compiles every SQL file under `migrations/` into the Migrator, so the built binary carries its
/// migrations and `platform migrate` works from any working directory.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "migrations")
        let files = (FileManager.default.subpaths(atPath: root.path) ?? [])
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migration files",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [root.path, output.path],
                inputFiles: files.map { root.appending(path: $0) },
                outputFiles: [output]
            )
        ]
    }
}
