import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

/// One caller's view of the CRM, for tests: each helper sends a real request and insists on the
/// status it expects.
struct CRMClient {
    let client: any TestClientProtocol
    let headers: HTTPFields

    func request(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> JSONResponse {
        try await client.request(method, "/api/v1/crm" + path, json: body, headers: headers)
    }

    /// The created object's id (201 expected).
    @discardableResult
    func create(_ path: String, _ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONResponse {
        let response = try await request(.post, path, body)
        #expect(response.status == .created, "POST \(path): \(response.text)", sourceLocation: sourceLocation)
        return response
    }

    func contact(_ fields: [String: JSONValue], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await create("/contacts", .object(fields), sourceLocation: sourceLocation).json["id"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// Logs an interaction `daysAgo` days ago.
    @discardableResult
    func interaction(_ contact: String, _ type: String = "call", daysAgo: Double = 0, sentiment: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONResponse {
        var body: [String: JSONValue] = [
            "contact_id": .string(contact), "interaction_type": .string(type), "occurred_at": .string(CRMClient.ago(daysAgo)),
        ]
        if let sentiment { body["sentiment"] = .string(sentiment) }
        return try await create("/interactions", .object(body), sourceLocation: sourceLocation)
    }

    /// The ids of a list's items, in order.
    func ids(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let response = try await request(.get, path)
        #expect(response.status == .ok, "GET \(path): \(response.text)", sourceLocation: sourceLocation)
        return response.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    static func ago(_ days: Double) -> String { ISO8601.string(Date().addingTimeInterval(-days * 86_400)) }
}

extension TestPlatform {
    /// Rows of the workspace's `ai_calls`, oldest first, read behind the API.
    func aiCalls(in workspace: UUID) async throws -> [[String: String]] {
        let schema = "ws_" + workspace.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await withDatabase { db in
            let rows = try await db.query(PostgresQuery(unsafeSQL: """
                SELECT purpose, provider, model, status, input_tokens::text, output_tokens::text, latency_ms::text, coalesce(cost_micro_usd::text, ''),
                       coalesce(member_id::text, ''), coalesce(api_key_id::text, ''), coalesce(error, '')
                FROM \(schema).ai_calls ORDER BY created_at, id
                """), logger: TestDatabase.logger)
            var calls: [[String: String]] = []
            for try await (purpose, provider, model, status, input, output, latency, cost, member, key, error)
                in rows.decode((String, String, String, String, String, String, String, String, String, String, String).self) {
                calls.append(["purpose": purpose, "provider": provider, "model": model, "status": status, "input_tokens": input, "output_tokens": output,
                              "latency_ms": latency, "cost_micro_usd": cost, "member_id": member, "api_key_id": key, "error": error])
            }
            return calls
        }
    }
}
