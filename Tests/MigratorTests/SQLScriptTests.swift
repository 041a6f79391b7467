import Testing
@testable import Migrator

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- leading comment; not a statement
            CREATE TABLE a (note text DEFAULT 'x;y');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
            /* block; comment */ INSERT INTO "odd;name" VALUES ('it''s;fine');
            SELECT $$;$$
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("DEFAULT 'x;y')"))
        #expect(statements[1].contains("RETURN 1; END $body$"))
        #expect(statements[2].contains("'it''s;fine'"))
        #expect(statements[3] == "SELECT $$;$$")
    }

    @Test func dropsTrailingCommentOnlyChunks() {
        #expect(SQLScript.statements(in: "SELECT 1;\n-- the end\n") == ["SELECT 1"])
    }

    @Test func parsesFileNamesAndTheNoTransactionMarker() throws {
        let migration = try #require(Migration(fileName: "0003_add_index.sql", sql: "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"))
        #expect(migration.version == 3)
        #expect(migration.name == "add_index")
        #expect(!migration.runsInTransaction)
        #expect(migration.fileName == "0003_add_index.sql")
        #expect(Migration(fileName: "3_add.sql", sql: "") == nil)
        #expect(Migration(fileName: "0003-add.sql", sql: "") == nil)
        #expect(Migration(fileName: "0004_x.sql", sql: "SELECT 1")!.runsInTransaction)
    }

    @Test func embeddedCatalogIsOrderedAndChecksummed() {
        let catalog = MigrationCatalog.embedded
        #expect(catalog.control.map(\.version) == catalog.control.map(\.version).sorted())
        #expect(catalog.latestControlVersion >= 2)
        #expect(catalog.latestTenantVersion >= 1)
        #expect(catalog.tenant.allSatisfy { $0.checksum.count == 64 })
        // Tenant files never name a schema: the migrator scopes them.
        #expect(catalog.tenant.allSatisfy { !$0.sql.contains("control.") && !$0.sql.contains("ws_") })
    }
}
