import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing

/// Bad input, over every operation of the route table: a path id that is not a UUID, a body
/// that is not JSON (or not multipart), a malformed workspace header, or a malformed bearer
/// token. Each answers a 4xx with the JSON error shape, never a 5xx; a new route is swept the
/// moment it is registered.
@Suite struct BadInputSweepTests {
    /// Operations with nothing a caller could get wrong: no path ids, no body, no workspace, no
    /// credentials.
    static let nothingToGetWrong: Set<String> = ["GET /ready", "GET /health", "GET /openapi.json", "GET /docs", "GET /metrics", "GET /api/v1/billing/tiers",
        "POST /api/v1/billing/public/setup-intent",
    ]

    static let words = [
        "role": "member", "permission": "can_create_record", "entity_type": "contact", "file_name": "notes.txt",
        "recordset_slug": "anything", "channel_slug": "anything", "limit_type": "records", "feature": "sso",
    ]

    @Test func everyOperationAnswersBadInputWithA4xxJSONError() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            var checked = 0
            for operation in platform.inventory.operations where operation.isImplemented {
                let label = "\(operation.method) \(operation.path)"
                var path = operation.path
                for name in operation.pathParameters {
                    path = path.replacingOccurrences(of: "{\(name)}", with: Input<NoBody, NoQuery>.isID(name) ? "not-a-uuid" : Self.words[name] ?? "x")
                }
                let response: JSONResponse
                if operation.pathParameters.contains(where: Input<NoBody, NoQuery>.isID) {
                    response = try await client.request(operation.method, path, headers: owner.headers())
                } else if operation.hasBody {
                    response = try await client.request(operation.method, path, raw: #"{"name": "#, headers: owner.headers())
                } else if operation.access.isWorkspaceScoped {
                    response = try await client.request(operation.method, path, headers: owner.headers(workspaceHeader: "not-a-uuid"))
                } else if !operation.pathParameters.isEmpty {
                    // An open route whose path names something (an invite's code): something that is not one.
                    response = try await client.request(operation.method, path)
                } else if operation.access != .open {
                    response = try await client.request(operation.method, path, headers: [.authorization: "Bearer not.a.token"])
                } else {
                    #expect(Self.nothingToGetWrong.contains(label) || operation.hasQuery, "\(label): no bad input tried")
                    continue
                }
                #expect((400..<500).contains(response.status.code), "\(label) → \(response.status): \(response.text.prefix(200))")
                #expect(response.errorCode != nil && response.json["error"]?["message"]?.stringValue != nil, "\(label): \(response.text.prefix(200))")
                checked += 1
            }
            #expect(checked >= 220)
        }
    }
}
