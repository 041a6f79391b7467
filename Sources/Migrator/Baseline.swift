/// The leading transactional files as one statement (SPEC §3): a fresh tenant schema gets them in
/// one transaction and one round trip, instead of a transaction per file and a round trip per
/// statement. Each file is still recorded with its own checksum, so a schema made this way is
/// indistinguishable from one that replayed the files.
struct Baseline: Sendable {
    let migrations: [Migration]
    /// A `DO` block whose `EXECUTE` runs the files' text in order: PL/pgSQL runs a string of several
    /// statements where the extended protocol PostgresNIO speaks takes one.
    let statement: String

    /// Nil when fewer than two files lead before the first `-- migrate:no-transaction` one.
    init?(_ migrations: [Migration]) {
        let leading = Array(migrations.prefix { $0.runsInTransaction })
        guard leading.count > 1 else { return nil }
        let script = leading.map(\.sql).joined(separator: "\n;\n")
        var tag = "platform_baseline"
        while script.contains("$\(tag)") || script.contains("$\(tag)_do") { tag += "_" }
        self.migrations = leading
        statement = "DO $\(tag)_do$ BEGIN EXECUTE $\(tag)$\n\(script)\n$\(tag)$; END $\(tag)_do$"
    }
}
