import Foundation
import PlatformCore
import PlatformServer
import PlatformTesting
import Testing

@Suite struct RouteTableTests {
    static let committedDocument = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../docs/openapi.json").standardizedFileURL

    @Test func theRouterHasExactlyTheTablesRoutes() async throws {
        try await TestPlatform.run(seeded: false) { _, platform in
            let table = platform.inventory.operations.map { "\($0.method) \($0.path)" }.sorted()
            let router = platform.inventory.registeredRoutes.map(Self.braces).sorted()
            #expect(Set(table).count == table.count, "an operation is registered twice")
            #expect(router == table)
            #expect(table.count >= 30)
        }
    }

    /// `:name` as the router may print a parameter → `{name}` as the table writes it.
    static func braces(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }

    @Test func everyExampleValidatesAgainstItsSchema() async throws {
        try await TestPlatform.run(seeded: false) { _, platform in
            var reflector = SchemaReflector()
            var checked = 0
            for operation in platform.inventory.operations {
                let schemas = try operation.describe(&reflector)
                if let body = schemas.body, schemas.bodyMediaType == "application/json" {
                    let example = try #require(operation.bodyExample, "\(operation.path) has a body but no example")
                    #expect(body.validate(example, components: reflector.components).isEmpty, "\(operation.method) \(operation.path) body example")
                    checked += 1
                }
                if case .json(let schema, let example) = schemas.output {
                    let example = try #require(example, "\(operation.path) has no response example")
                    let violations = schema.validate(example, components: reflector.components)
                    #expect(violations.isEmpty, "\(operation.method) \(operation.path) response example: \(violations)")
                    checked += 1
                }
            }
            #expect(checked >= 25)
        }
    }

    /// Answers are written by `JSONWriter`; every model of the table, as its example shows it, comes
    /// out as the same JSON as Foundation's encoder writes (both read back by Foundation), but for
    /// UUIDs Foundation writes upper-case where the platform's overloads do not reach (in a `Set`).
    @Test func everyExampleIsWrittenAsFoundationWritesIt() async throws {
        try await TestPlatform.run(seeded: false) { _, platform in
            var checked = 0
            for operation in platform.inventory.operations {
                for example in operation.examples() {
                    let foundation = Self.lowerCasingUUIDs(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder.platform.encode(example)))
                    let writer = try JSONDecoder().decode(JSONValue.self, from: Data(JSONWriter.encode(example)))
                    #expect(writer == foundation, "\(operation.method) \(operation.path): \(type(of: example))")
                    checked += 1
                }
            }
            #expect(checked >= 200)
        }
    }

    static func lowerCasingUUIDs(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): UUID(uuidString: text).map { .string($0.uuidString.lowercased()) } ?? value
        case .array(let items): .array(items.map(lowerCasingUUIDs))
        case .object(let fields): .object(fields.mapValues(lowerCasingUUIDs))
        default: value
        }
    }

    @Test func everyOperationIsDescribedWithItsAccessAndErrors() async throws {
        try await TestPlatform.run(seeded: false) { client, platform in
            let served = try await client.request(.get, "/openapi.json")
            #expect(served.status == .ok)
            #expect(served.json == platform.inventory.document)
            #expect(served.json["openapi"] == "3.1.0")
            let paths = try #require(served.json["paths"]?.objectValue)
            for operation in platform.inventory.operations {
                let entry = try #require(paths[operation.path]?[operation.method.rawValue.lowercased()], "\(operation.path) is missing")
                #expect(entry["x-access"]?.stringValue != nil)
                #expect(entry["responses"]?[String(operation.status.code)] != nil)
                if operation.access.isWorkspaceScoped {
                    #expect(entry["responses"]?["403"] != nil && entry["responses"]?["401"] != nil, "\(operation.path)")
                    let header = entry["parameters"]?.arrayValue?.contains { $0["$ref"] == "#/components/parameters/WorkspaceID" }
                    #expect(header == !operation.workspaceFromPath, "\(operation.path): X-Workspace-Id documented only where the path does not name the workspace")
                    #expect(entry["security"]?.arrayValue?.isEmpty == false)
                }
                if operation.access == .open { #expect(entry["security"] == [], "\(operation.path)") }
                for parameter in operation.pathParameters {
                    #expect(entry["parameters"]?.arrayValue?.contains { $0["name"]?.stringValue == parameter && $0["in"] == "path" } == true)
                }
            }
            let docs = try await client.request(.get, "/docs")
            #expect(docs.headers[.contentType]?.hasPrefix("text/html") == true)
            for operation in platform.inventory.operations { #expect(docs.text.contains(operation.path)) }
        }
    }

    /// API changes show in review: the committed document must be what the server builds.
    /// `PLATFORM_UPDATE_OPENAPI=1 swift test --filter RouteTableTests` rewrites it.
    @Test func theCommittedDocumentIsWhatTheServerBuilds() async throws {
        try await TestPlatform.run(seeded: false) { _, platform in
            let built = try OpenAPIDocument.encode(platform.inventory.document)
            if ProcessInfo.processInfo.environment["PLATFORM_UPDATE_OPENAPI"] == "1" {
                try Data(built).write(to: Self.committedDocument)
            }
            let committed = try Data(contentsOf: Self.committedDocument)
            let same = committed == Data(built)
            #expect(same, "docs/openapi.json differs from the API: run PLATFORM_UPDATE_OPENAPI=1 swift test --filter RouteTableTests")
        }
    }
}
