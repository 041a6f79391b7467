import Foundation
import HTTPTypes

/// The OpenAPI 3.1 document, built from the route table at start-up: every operation with its
/// access rule, parameters, schemas (reflected from the Swift types), examples and every error it
/// may answer. `docs/openapi.json` is the committed copy; a test fails when they differ.
public enum OpenAPIDocument {
    public static func build(_ operations: [APIOperation], title: String = "Platform API", version: String = "1.0.0") throws -> JSONValue {
        // Beyond the schemas, an operation's entry shows its summary, status and errors.
        let key = operations.map { "\($0.method) \($0.path) \($0.access) \($0.status.code) \($0.summary) \($0.errors)" } + [title, version]
        return try memo.value(key) { try make(operations, title: title, version: version) }
    }

    private static let memo = Memo<[String], JSONValue>()

    private static func make(_ operations: [APIOperation], title: String, version: String) throws -> JSONValue {
        let described = try DescribedOperations.of(operations)
        var paths: [String: [String: JSONValue]] = [:]
        for (operation, schemas) in zip(operations, described.schemas) {
            paths[operation.path, default: [:]][operation.method.rawValue.lowercased()] = try describe(operation, schemas, described.components)
        }
        var schemas = described.components.jsonValue().objectValue ?? [:]
        schemas["Error"] = errorSchema
        return .object([
            "openapi": "3.1.0",
            "info": .object([
                "title": .string(title), "version": .string(version),
                "description": .string("""
                    A multi-tenant platform: every workspace lives in its own PostgreSQL schema. Tenant operations name \
                    their workspace in `X-Workspace-Id` (an API key implies its own). Errors are \
                    `{"error": {"code", "message", "details"?}}`; lists are `{"items", "total", "limit", "offset"}`.
                    """),
            ]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "schemas": .object(schemas),
                "parameters": [
                    "WorkspaceID": [
                        "name": "X-Workspace-Id", "in": "header", "required": false,
                        "description": "The workspace to act in. Required with a user's token; an API key implies its own workspace.",
                        "schema": JSONSchema.string(format: "uuid").jsonValue(),
                    ],
                    "Signature": [
                        "name": "X-Platform-Signature", "in": "header", "required": true,
                        "description": "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` under the workspace's callback secret; five minutes' tolerance.",
                        "schema": ["type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"],
                    ],
                    "IdempotencyKey": [
                        "name": "Idempotency-Key", "in": "header", "required": false,
                        "description": "Replays the first successful response to every retry with the same key and body (24 hours).",
                        "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
                    ],
                ],
                "securitySchemes": .object([
                    "bearerAuth": .object([
                        "type": "http", "scheme": "bearer",
                        "description": "A user's access token (JWT), or an API key (`sk_live_…`) as `Authorization: Bearer <key>`.",
                    ]),
                    "apiKeyHeader": .object(["type": "apiKey", "in": "header", "name": "X-API-Key"]),
                ]),
            ]),
        ])
    }

    /// Stable bytes: sorted keys, pretty-printed, so the committed copy diffs well in review.
    public static func encode(_ document: JSONValue) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(document)) + [0x0A]
    }

    /// `get_records_record_id` for `GET /api/v1/records/{record_id}`.
    public static func operationID(_ method: HTTPRequest.Method, _ path: String) -> String {
        let segments = path.split(separator: "/").filter { $0 != "api" && $0 != "v1" }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).replacingOccurrences(of: "-", with: "_") }
        return ([method.rawValue.lowercased()] + segments).joined(separator: "_")
    }

    private static func describe(_ operation: APIOperation, _ schemas: APIOperation.Schemas, _ components: SchemaComponents) throws -> JSONValue {
        var object: [String: JSONValue] = [
            "operationId": .string(operationID(operation.method, operation.path)),
            "summary": .string(operation.summary),
            "tags": [.string(tag(operation.path))],
            "x-access": .string(accessName(operation.access)),
            "x-implemented": .bool(operation.isImplemented),
            "description": .string(accessDescription(operation.access)),
        ]
        object["security"] = operation.access == .open || operation.access == .signed ? .array([]) : [["bearerAuth": []], ["apiKeyHeader": []]]
        var parameters: [JSONValue] = operation.pathParameters.map { name in
            let schema = Input<NoBody, NoQuery>.isID(name) ? JSONSchema.string(format: "uuid") : operation.pathWords[name].map(JSONSchema.stringEnum) ?? .string()
            return ["name": .string(name), "in": "path", "required": true, "schema": schema.jsonValue()]
        }
        if operation.access.isWorkspaceScoped && !operation.workspaceFromPath { parameters.append(["$ref": "#/components/parameters/WorkspaceID"]) }
        if operation.isIdempotent { parameters.append(["$ref": "#/components/parameters/IdempotencyKey"]) }
        if operation.access == .signed { parameters.append(["$ref": "#/components/parameters/Signature"]) }
        if let query = schemas.query {
            parameters += queryParameters(query, components)
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = schemas.body {
            var content: [String: JSONValue] = ["schema": body.jsonValue()]
            if let example = operation.bodyExample { content["example"] = example }
            object["requestBody"] = ["required": true, "content": .object([schemas.bodyMediaType: .object(content)])]
        }
        var responses: [String: JSONValue] = [String(operation.status.code): success(operation.status, schemas.output)]
        let byStatus = Dictionary(grouping: operation.errors, by: \.status.code)
        for (status, cases) in byStatus {
            let codes = cases.map(\.code).sorted()
            responses[String(status)] = [
                "description": .string("\(cases[0].status.reasonPhrase): \(codes.joined(separator: ", "))"),
                "x-error-codes": .array(codes.map(JSONValue.string)),
                "content": ["application/json": ["schema": ["$ref": .string(JSONSchema.componentPrefix + "Error")]]],
            ]
        }
        object["responses"] = .object(responses)
        return .object(object)
    }

    private static func success(_ status: HTTPResponse.Status, _ output: OutputDescription) -> JSONValue {
        let description = JSONValue.string(status.reasonPhrase)
        switch output {
        case .empty:
            return ["description": description]
        case .json(let schema, let example):
            var content: [String: JSONValue] = ["schema": schema.jsonValue()]
            if let example { content["example"] = example }
            return ["description": description, "content": ["application/json": .object(content)]]
        case .text(let contentType):
            let type = contentType.split(separator: ";").first.map(String.init) ?? contentType
            return ["description": description, "content": .object([type: ["schema": ["type": "string"]]])]
        }
    }

    /// Query parameters from the query type's schema; an embedded struct (such as `Page`) adds its
    /// own properties, since the query string is flat.
    private static func queryParameters(_ schema: JSONSchema, _ components: SchemaComponents) -> [JSONValue] {
        let resolved = schema.ref.flatMap { components.schemas[$0] } ?? schema
        var parameters: [JSONValue] = []
        for (name, property) in resolved.properties {
            let target = property.ref.flatMap { components.schemas[$0] }
                ?? property.anyOf.compactMap { $0.ref.flatMap { components.schemas[$0] } }.first
                ?? property
            if target.types.contains(.object) {
                parameters += queryParameters(target, components)
                continue
            }
            var parameter: [String: JSONValue] = [
                "name": .string(name), "in": "query", "required": .bool(resolved.required.contains(name)),
                "schema": withoutNull(property).jsonValue(),
            ]
            if let description = property.description { parameter["description"] = .string(description) }
            if property.types.contains(.array) { parameter["explode"] = false }
            parameters.append(.object(parameter))
        }
        return parameters
    }

    /// A query parameter is absent rather than null.
    private static func withoutNull(_ schema: JSONSchema) -> JSONSchema {
        var copy = schema
        copy.types.remove(.null)
        copy.enumValues = copy.enumValues?.filter { $0 != .null }
        return copy
    }

    /// `{"error": {"code", "message", "details"?}}`; each response lists its codes in `x-error-codes`.
    static var errorSchema: JSONValue {
        [
            "type": "object", "required": ["error"], "additionalProperties": false,
            "properties": [
                "error": [
                    "type": "object", "required": ["code", "message"], "additionalProperties": false,
                    "properties": ["code": ["type": "string", "pattern": "^[a-z][a-z0-9_]*$"], "message": ["type": "string"], "details": [:]],
                ],
            ],
        ]
    }

    static func tag(_ path: String) -> String {
        let segments = path.split(separator: "/")
        guard segments.count > 2, segments[0] == "api" else { return "platform" }
        return String(segments[2])
    }

    static func accessName(_ access: Access) -> String {
        switch access {
        case .open: "open"
        case .authenticated: "authenticated"
        case .workspace(let permission): "workspace: \(permission.scope ?? "member")"
        case .tenant(let permission): "tenant: \(permission.scope ?? "member")"
        case .signed: "signed"
        }
    }

    static func accessDescription(_ access: Access) -> String {
        switch access {
        case .open: "Open: no credentials."
        case .authenticated: "Any signed-in user or API key."
        case .workspace(let permission): "Workspace (control plane): \(permission.summary)."
        case .tenant(let permission): "Tenant data: \(permission.summary)."
        case .signed:
            "Signed, no token: `X-Platform-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` under the callback "
                + "secret of the workspace the body names (`workspace_id`); the body's `event_id` makes a repeated delivery act once."
        }
    }
}
