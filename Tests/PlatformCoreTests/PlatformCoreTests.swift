import Foundation
import Testing
@_spi(TenantProvisioning) @testable import PlatformCore

@Suite struct SchemaNameTests {
    @Test func tenantSchemaIsBuiltOnlyFromTheWorkspaceUUID() {
        let id = UUID(uuidString: "0F8FAD5B-D9CB-469F-A165-70867728950E")!
        let schema = SchemaName.tenant(id)
        #expect(schema.name == "ws_0f8fad5bd9cb469fa16570867728950e")
        #expect(schema.quoted == "\"ws_0f8fad5bd9cb469fa16570867728950e\"")
        #expect(schema.table("records").description == #""ws_0f8fad5bd9cb469fa16570867728950e"."records""#)
        #expect(SchemaName.control.quoted == "\"control\"")
        #expect(SchemaName.tenant(id) == schema)
        #expect(SchemaName.tenant(UUID()) != schema)
    }
}

@Suite struct ServerSentEventTests {
    @Test func framesMultilineDataAndRoundTrips() {
        let event = ServerSentEvent(id: "7", event: "progress", data: "line one\nline two")
        #expect(event.encoded == "id: 7\nevent: progress\ndata: line one\ndata: line two\n\n")
        let parsed = ServerSentEvent.parse(event.encoded + ServerSentEvent.comment("heartbeat") + "id: 8\ndata: partial")
        #expect(parsed.events == [event])
        #expect(parsed.comments == 1)
        #expect(parsed.rest == "id: 8\ndata: partial")
    }
}

@Suite struct ConfigTests {
    @Test func parsesDatabaseURLs() throws {
        let url = try DatabaseURL("postgres://app:p%40ss@db.internal:6543/platform?sslmode=require")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.username == "app")
        #expect(url.password == "p@ss")
        #expect(url.database == "platform")
        #expect(url.sslMode == "require")
        #expect(try DatabaseURL(url.string) == url)
        #expect(throws: ConfigError.self) { try DatabaseURL("mysql://x@y/z") }
    }

    @Test func reportsEveryMissingSettingAtOnce() {
        #expect(throws: ConfigError.self) { try PlatformConfig.fromEnvironment([:]) }
        do {
            _ = try PlatformConfig.fromEnvironment([:])
        } catch {
            #expect("\(error)".contains("DATABASE_URL"))
            #expect("\(error)".contains("JWT_SECRET"))
        }
        #expect(throws: ConfigError.self) {
            try PlatformConfig.fromEnvironment(["DATABASE_URL": "postgres://a@b/c", "JWT_SECRET": "short"])
        }
        let config = try? PlatformConfig.fromEnvironment([
            "DATABASE_URL": "postgres://a@b/c", "JWT_SECRET": String(repeating: "s", count: 32), "PORT": "9000",
        ])
        #expect(config?.port == 9000)
    }
}

@Suite struct JSONValueTests {
    @Test func keepsKeysAndTypesAsWritten() throws {
        let text = #"{"camelCase":{"n":1.5,"i":3,"flag":true,"none":null,"list":["a",2]}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let again = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(value == again)
        #expect(value.objectValue?["camelCase"]?.objectValue?["i"] == .number(3))
        #expect(String(decoding: try JSONEncoder().encode(JSONValue.number(3)), as: UTF8.self) == "3")
    }
}

@Suite struct RoleTests {
    @Test func rolesAreOrdered() {
        #expect(Role.viewer < .member && Role.member < .admin && Role.admin < .owner)
        #expect(Role.owner >= Permission.admin.minimumRole)
        #expect(!(Role.member >= Permission.admin.minimumRole))
    }
}

@Test func relativeDataFoldersResolveAgainstTheWorkingDirectory() throws {
    let config = try PlatformConfig.fromEnvironment([
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "JWT_SECRET": String(repeating: "s", count: 40), "MAIL_DIR": "outbox/mail",
    ])
    let cwd = FileManager.default.currentDirectoryPath
    #expect(config.dataDirectory.path == cwd + "/.data")
    #expect(config.mail.directory.path == cwd + "/outbox/mail")
    #expect(config.filesDirectory.path == cwd + "/.data/files")
    let absolute = try PlatformConfig.fromEnvironment([
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "JWT_SECRET": String(repeating: "s", count: 40), "DATA_DIR": "/var/lib/platform",
    ])
    #expect(absolute.mail.directory.path == "/var/lib/platform/mail")
}

@Test func theAIProviderIsConfiguredByEnvironment() throws {
    let base = ["DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "JWT_SECRET": String(repeating: "s", count: 40)]
    #expect(try PlatformConfig.fromEnvironment(base).ai == nil)
    #expect(try PlatformConfig.fromEnvironment(base.merging(["AI_PROVIDER": "none"]) { $1 }).ai == nil)
    let openai = try PlatformConfig.fromEnvironment(base.merging(["AI_PROVIDER": "openai", "OPENAI_API_KEY": "sk-1", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"]) { $1 }).ai
    #expect(openai == AISettings(provider: .openai, model: "gpt-4o-mini", apiKey: "sk-1", baseURL: "http://127.0.0.1:9/v1"))
    let gemini = try PlatformConfig.fromEnvironment(base.merging(["AI_PROVIDER": "gemini", "GEMINI_API_KEY": "g-1", "AI_MODEL": "gemini-2.5-pro"]) { $1 }).ai
    #expect(gemini?.provider == .gemini && gemini?.model == "gemini-2.5-pro" && gemini?.baseURL == nil)
    do {
        _ = try PlatformConfig.fromEnvironment(["AI_PROVIDER": "openai"])
        Issue.record("a provider without its key must not start")
    } catch {
        #expect("\(error)".contains("OPENAI_API_KEY") && "\(error)".contains("DATABASE_URL"), "every missing name at once: \(error)")
    }
    #expect(throws: ConfigError.self) { try PlatformConfig.fromEnvironment(base.merging(["AI_PROVIDER": "clippy"]) { $1 }) }
}

@Test func theVisibilityProvidersAreConfiguredByEnvironment() throws {
    let base = ["DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "JWT_SECRET": String(repeating: "s", count: 40)]
    func providers(_ extra: [String: String]) throws -> [VisibilitySettings.Provider] {
        try PlatformConfig.fromEnvironment(base.merging(extra) { $1 }).visibility.providers
    }
    #expect(try providers([:]).isEmpty)
    // Every provider with a key, in a fixed order, with its defaults.
    let all = try providers(["PERPLEXITY_API_KEY": "pplx-1", "OPENAI_API_KEY": "sk-1", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "GEMINI_API_KEY": "g-1"])
    #expect(all == [
        .init(name: .openai, model: "gpt-4o-mini", apiKey: "sk-1", baseURL: "http://127.0.0.1:9/v1", creditsPerItem: 1),
        .init(name: .gemini, model: "gemini-2.5-flash", apiKey: "g-1", baseURL: "https://generativelanguage.googleapis.com/v1beta", creditsPerItem: 1),
        .init(name: .perplexity, model: "sonar", apiKey: "pplx-1", baseURL: "https://api.perplexity.ai", creditsPerItem: 1),
    ])
    // Models and prices per provider; VISIBILITY_PROVIDERS picks.
    let some = try providers([
        "OPENAI_API_KEY": "sk-1", "PERPLEXITY_API_KEY": "pplx-1", "VISIBILITY_PROVIDERS": "perplexity", "VISIBILITY_PERPLEXITY_MODEL": "sonar-pro",
        "VISIBILITY_CREDITS_PER_ITEM": "2", "VISIBILITY_PERPLEXITY_CREDITS_PER_ITEM": "5",
    ])
    #expect(some.map(\.name) == [.perplexity] && some.first?.model == "sonar-pro" && some.first?.creditsPerItem == 5)
    #expect(try providers(["OPENAI_API_KEY": "sk-1", "VISIBILITY_CREDITS_PER_ITEM": "3"]).first?.creditsPerItem == 3)
    #expect(try providers(["OPENAI_API_KEY": "sk-1", "VISIBILITY_PROVIDERS": "none"]).isEmpty)
    // The CRM's single model is configured apart and keeps working.
    let both = try PlatformConfig.fromEnvironment(base.merging(["AI_PROVIDER": "openai", "OPENAI_API_KEY": "sk-1"]) { $1 })
    #expect(both.ai?.provider == .openai && both.visibility.provider(.openai)?.apiKey == "sk-1")
    do {
        _ = try PlatformConfig.fromEnvironment(base.merging(["VISIBILITY_PROVIDERS": "openai,gemini", "OPENAI_API_KEY": "sk-1"]) { $1 })
        Issue.record("a named provider without its key must not start")
    } catch {
        #expect("\(error)".contains("GEMINI_API_KEY"), "\(error)")
    }
    #expect(throws: ConfigError.self) { try providers(["VISIBILITY_PROVIDERS": "bing"]) }
    #expect(throws: ConfigError.self) { try providers(["OPENAI_API_KEY": "sk-1", "VISIBILITY_CREDITS_PER_ITEM": "-1"]) }
}
