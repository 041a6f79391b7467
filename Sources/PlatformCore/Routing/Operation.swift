import Foundation
import HTTPTypes

/// A registered endpoint, its types erased: what the OpenAPI document, the router test and the
/// isolation sweep read.
public struct APIOperation: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    public let summary: String
    public let access: Access
    public let status: HTTPResponse.Status
    public let isIdempotent: Bool
    public let pathParameters: [String]
    /// The values a word parameter (`{role}`) may take, for the document.
    public let pathWords: [String: [String]]
    public let hasBody: Bool
    /// False for an operation that answers 501 `not_supported`.
    public let isImplemented: Bool
    public let hasQuery: Bool
    /// Every error this operation may answer: its own, its access rule's and its input's.
    public let errors: [ErrorCase]
    /// The request body's example, for the sweep and the document.
    public let bodyExample: JSONValue?
    /// The body's and the answer's examples as values (the JSON writer is checked against
    /// Foundation's encoder with every one of them).
    public let examples: @Sendable () -> [any Encodable]
    /// Scoped by `{workspace_id}` in its path rather than by `X-Workspace-Id`.
    public var workspaceFromPath: Bool { access.isWorkspaceScoped && pathParameters.contains(RouteTable.workspaceParameter) }
    /// Reflects the operation's body, query and answer into `reflector`'s components.
    public let describe: @Sendable (inout SchemaReflector) throws -> Schemas

    public struct Schemas: Sendable {
        public var body: JSONSchema?
        public var bodyMediaType = "application/json"
        public var query: JSONSchema?
        public var output: OutputDescription
    }

    init<B, Q, O>(_ endpoint: Endpoint<B, Q, O>, access: Access) {
        method = endpoint.method
        path = endpoint.path
        summary = endpoint.summary
        self.access = access
        status = endpoint.status
        isIdempotent = endpoint.isIdempotent
        pathParameters = endpoint.pathParameters
        pathWords = endpoint.pathWords
        hasBody = B.self != NoBody.self
        isImplemented = endpoint.notSupported == nil
        hasQuery = Q.self != NoQuery.self
        bodyExample = (B.self as? any APIModel.Type).flatMap { try? JSONValue(encoding: $0.example) }
        examples = { [(B.self as? any APIModel.Type)?.example, (O.self as? any APIModel.Type)?.example].compactMap { $0 } }
        var errors = Set(endpoint.errors)
        errors.formUnion(Self.errors(for: access))
        if pathParameters.contains(where: Input<NoBody, NoQuery>.isID) { errors.insert(ErrorCase(.badRequest, "invalid_id")) }
        if hasQuery { errors.insert(ErrorCase(.badRequest, "invalid_query")) }
        if let raw = B.self as? any RawRequestBody.Type {
            errors.formUnion(raw.errors + [ErrorCase(.payloadTooLarge)])
        } else if hasBody {
            errors.formUnion([ErrorCase(.invalidJSON), ErrorCase(.payloadTooLarge), .validation])
        }
        if endpoint.notSupported != nil { errors.insert(ErrorCase(AppError.notSupported(""))) }
        if endpoint.isIdempotent {
            errors.formUnion([ErrorCase(IdempotencyStore.inFlight), ErrorCase(IdempotencyStore.reused), ErrorCase(IdempotencyStore.invalidKey)])
        }
        self.errors = errors.sorted()
        describe = { reflector in
            if let raw = B.self as? any RawRequestBody.Type {
                return Schemas(
                    body: raw.schema, bodyMediaType: raw.mediaType,
                    query: Q.self == NoQuery.self ? nil : try reflector.schema(for: Q.self), output: try O.describe(&reflector))
            }
            return Schemas(
                body: B.self == NoBody.self ? nil : try reflector.schema(for: B.self),
                query: Q.self == NoQuery.self ? nil : try reflector.schema(for: Q.self),
                output: try O.describe(&reflector))
        }
    }

    /// What the gates in front of the handler may answer.
    static func errors(for access: Access) -> [ErrorCase] {
        let authentication: [AppError] = [
            .unauthenticated(), .invalidAuthorization, .invalidToken, .invalidAPIKey,
            .tooManyRequests(retryAfter: 1, ""),
        ]
        let workspace: [AppError] = [
            .workspaceRequired, .invalidWorkspaceID, .workspaceForbidden, .workspaceSuspended, .workspaceNotReady,
            .insufficientPermissions(.member),
        ]
        let cases: [AppError] = switch access {
        case .open: []
        case .authenticated: authentication
        case .workspace: authentication + workspace
        case .tenant: authentication + workspace + [.migrationRequired, TenantPools.placementUnavailable]
        case .signed:
            [CallbackSigner.invalid, RouteTable.invalidCallback, .workspaceForbidden, .workspaceSuspended, .workspaceNotReady, .migrationRequired,
             TenantPools.placementUnavailable, IdempotencyStore.inFlight, IdempotencyStore.reused]
        }
        return cases.map(ErrorCase.init)
    }
}
