import Foundation
import Hummingbird
import Migrator
import NIOConcurrencyHelpers
import PlatformCore
import PostgresNIO
import Prometheus

/// `/health`, `/ready`, `/metrics`, `/openapi.json` and `/docs`: on the route table like every
/// other operation, so they are described too.
struct InfrastructureRoutes {
    let client: PostgresClient
    let migrator: Migrator
    let metrics: PrometheusCollectorRegistry?

    struct Liveness: APIModel {
        let status: String
        static let example = Liveness(status: "ok")
    }

    struct Readiness: APIModel {
        let status: String
        let controlVersion: Int
        enum CodingKeys: String, CodingKey { case status, controlVersion = "control_version" }
        static let example = Readiness(status: "ready", controlVersion: 5)
    }

    static let databaseUnavailable = AppError.unavailable("database_unavailable", "The database is not reachable.", retryAfter: 5)
    static let controlBehind = AppError.unavailable("migration_required", "The control schema is behind this build.", retryAfter: 5)

    static let health = Endpoint(.get, "/health", "Liveness", returns: Liveness.self)
    static let ready = Endpoint(
        .get, "/ready", "Readiness: the database answers and the control schema is current", returns: Readiness.self,
        errors: [ErrorCase(databaseUnavailable), ErrorCase(controlBehind)])
    static let metricsText = Endpoint(.get, "/metrics", "Prometheus metrics", returns: MetricsText.self)
    static let openAPI = Endpoint(.get, "/openapi.json", "This API's OpenAPI 3.1 document", returns: JSONDocument.self)
    static let docs = Endpoint(.get, "/docs", "This API's reference, for people", returns: HTMLDocument.self)

    /// Registers the routes; the document is published into the returned box once every route is on the table.
    func addRoutes(to routes: RouteTable) -> DocumentBox {
        let box = DocumentBox()
        routes.open(Self.health) { _, _ in Liveness(status: "ok") }
        routes.open(Self.ready) { _, context in try await readiness(context) }
        routes.open(Self.metricsText) { [metrics] _, _ in MetricsText(metrics?.emitToBuffer() ?? []) }
        routes.open(Self.openAPI) { _, _ in JSONDocument(try box.json) }
        routes.open(Self.docs) { _, _ in HTMLDocument(box.html) }
        return box
    }

    private func readiness(_ context: OpenContext) async throws -> Readiness {
        let version: Int
        do {
            version = try await client.value(
                Int.self, "SELECT COALESCE(max(version), 0)::int FROM control.schema_migrations", logger: context.logger) ?? 0
        } catch {
            throw Self.databaseUnavailable
        }
        guard version >= migrator.catalog.latestControlVersion else { throw Self.controlBehind }
        return Readiness(status: "ready", controlVersion: version)
    }
}

/// The document, published once at start-up before the server listens; its JSON and its page
/// are rendered on first request.
final class DocumentBox: Sendable {
    private let state = NIOLockedValueBox<(document: JSONValue, json: [UInt8]?, html: String?)>((.null, nil, nil))

    func publish(_ document: JSONValue) {
        state.withLockedValue { $0 = (document, nil, nil) }
    }

    var json: [UInt8] {
        get throws {
            try state.withLockedValue { state in
                if let json = state.json { return json }
                let json = try OpenAPIDocument.encode(state.document)
                state.json = json
                return json
            }
        }
    }

    var html: String {
        state.withLockedValue { state in
            if let html = state.html { return html }
            let html = APIReferencePage.render(state.document)
            state.html = html
            return html
        }
    }
}
