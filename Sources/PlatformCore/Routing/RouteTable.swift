import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// The one way to add a route. Each registration method fixes the operation's access rule and the
/// context its handler receives; the table checks the rule before the handler runs, decodes its
/// input, and remembers the operation for the OpenAPI document and the isolation sweep.
public final class RouteTable {
    public private(set) var operations: [APIOperation] = []
    let router: Router<AppRequestContext>
    let gates: Gates

    public init(router: Router<AppRequestContext>, gates: Gates) {
        self.router = router
        self.gates = gates
    }

    // Each gate checks its access rule and answers the handler's context, where the operation's
    // idempotency keys are kept, and whose keys they are (callers' keys never collide).

    /// Anyone may call it.
    public func open<B, Q, O>(_ endpoint: Endpoint<B, Q, O>, _ handler: @escaping @Sendable (Input<B, Q>, OpenContext) async throws -> O) {
        let gates = self.gates
        register(endpoint, access: .open, handler) { _, context, _ in
            (OpenContext(logger: context.logger), gates.controlIdempotency, "anonymous", nil)
        }
    }

    /// Any signed-in user or API key.
    public func authenticated<B, Q, O>(_ endpoint: Endpoint<B, Q, O>, _ handler: @escaping @Sendable (Input<B, Q>, AuthenticatedContext) async throws -> O) {
        let gates = self.gates
        register(endpoint, access: .authenticated, handler) { request, context, _ in
            let (principal, logger) = try await gates.authenticate(request, context.logger)
            return (AuthenticatedContext(principal: principal, logger: logger), gates.controlIdempotency, principal.scopeName, nil)
        }
    }

    /// A control-plane operation on the caller's workspace, allowed by `permission`.
    public func workspace<B, Q, O>(
        _ endpoint: Endpoint<B, Q, O>, _ permission: Permission,
        _ handler: @escaping @Sendable (Input<B, Q>, WorkspaceContext) async throws -> O
    ) {
        precondition(permission.name == nil, "\(endpoint.path): named permissions live in a workspace's schema; use tenant(_:_:_:)")
        let gates = self.gates
        let fromPath = endpoint.pathParameters.contains(Self.workspaceParameter)
        register(endpoint, access: .workspace(permission), handler) { request, context, _ in
            let named = try fromPath ? Self.pathWorkspace(context) : nil
            let (principal, membership, logger) = try await gates.workspace(request, context.logger, permission, named: named)
            let owner = "\(membership.workspaceID) \(principal.scopeName)"
            return (WorkspaceContext(principal: principal, membership: membership, logger: logger), gates.controlIdempotency, owner, nil)
        }
    }

    /// Tenant data in the caller's workspace, allowed by `permission`; the schema must be current.
    public func tenant<B, Q, O>(
        _ endpoint: Endpoint<B, Q, O>, _ permission: Permission,
        _ handler: @escaping @Sendable (Input<B, Q>, TenantContext) async throws -> O
    ) {
        let gates = self.gates
        register(endpoint, access: .tenant(permission), handler) { request, context, _ in
            let (principal, membership, logger) = try await gates.workspace(request, context.logger, permission)
            guard membership.schemaVersion >= gates.tenantVersion else { throw AppError.migrationRequired }
            let db = try gates.tenants.database(for: membership)
            try await gates.checkMatrix(permission, principal, membership, db, logger)
            let tenant = TenantContext(principal: principal, membership: membership, db: db, logger: logger, limits: gates.limits)
            return (tenant, IdempotencyStore(db: db, table: db.table("idempotency_keys")), principal.scopeName, nil)
        }
    }

    /// Tenant data for automation that signs its body instead of sending a token (`CallbackSigner`):
    /// the workspace is the one the signed body names, and the body's `event_id` is the operation's
    /// idempotency key, so a delivery repeated within the signature's five minutes acts once.
    public func signed<B: SignedBody, Q, O>(_ endpoint: Endpoint<B, Q, O>, _ handler: @escaping @Sendable (Input<B, Q>, SignedContext) async throws -> O) {
        let gates = self.gates
        register(endpoint, access: .signed, handler) { request, context, body in
            let bytes = body.map { Array(buffer: $0) } ?? []
            guard let envelope = try? JSONDecoder().decode(SignedEnvelope.self, from: Data(bytes)),
                  (1...255).contains(envelope.eventID.utf8.count), envelope.eventID.utf8.allSatisfy({ (0x21...0x7e).contains($0) })
            else { throw Self.invalidCallback }
            try gates.signer.verify(request.headers[CallbackSigner.header], body: bytes, workspace: envelope.workspaceID)
            var logger = context.logger
            logger[metadataKey: "workspace_id"] = "\(envelope.workspaceID)"
            logger[metadataKey: "event_id"] = "\(envelope.eventID)"
            guard let workspace = try await gates.workspaces.workspace(envelope.workspaceID, logger: logger) else { throw AppError.workspaceForbidden }
            try Gates.checkStatus(workspace)
            guard workspace.schemaVersion >= gates.tenantVersion else { throw AppError.migrationRequired }
            let db = try gates.tenants.database(for: workspace)
            let signed = SignedContext(workspaceID: workspace.workspaceID, eventID: envelope.eventID, db: db, logger: logger)
            return (signed, IdempotencyStore(db: db, table: db.table("idempotency_keys")), "signed", envelope.eventID)
        }
    }

    public static let invalidCallback = AppError.badRequest(
        "invalid_callback", "A callback body is a JSON object with workspace_id (a UUID) and event_id (1 to 255 visible ASCII characters).")

    private struct SignedEnvelope: Decodable {
        let workspaceID: UUID
        let eventID: String

        enum CodingKeys: String, CodingKey { case workspaceID = "workspace_id", eventID = "event_id" }
    }

    private func register<B, Q, O, C: Sendable>(
        _ endpoint: Endpoint<B, Q, O>, access: Access,
        _ handler: @escaping @Sendable (Input<B, Q>, C) async throws -> O,
        gate: @escaping @Sendable (Request, AppRequestContext, ByteBuffer?) async throws -> (context: C, store: IdempotencyStore, owner: String, replayKey: String?)
    ) {
        precondition(!operations.contains { $0.method == endpoint.method && $0.path == endpoint.path }, "\(endpoint.method) \(endpoint.path) is registered twice")
        operations.append(APIOperation(endpoint, access: access))
        let parameters = endpoint.pathParameters
        let readsBody = B.self != NoBody.self
        let bodyFields = readsBody ? Self.fields(of: B.self) : nil
        let trustedProxies = gates.trustedProxies
        let bodyLimit = (B.self as? any RawRequestBody.Type)?.maximumSize
        // A signed body is read before its gate, which checks the signature over it; every other
        // gate runs first, so nobody unauthenticated gets to send a large body.
        let bodyFirst = access == .signed
        let handler = changesAccess(endpoint.method, access) ? gates.tellingAccessObservers(handler) : handler
        router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context -> Response in
            var request = request
            var body = bodyFirst ? try await request.collectBody(upTo: bodyLimit ?? context.maxUploadSize) : nil
            let (scoped, store, owner, replayKey) = try await gate(request, context, body)
            if let reason = endpoint.notSupported { throw AppError.notSupported(reason) }
            if readsBody && !bodyFirst { body = try await request.collectBody(upTo: bodyLimit ?? context.maxUploadSize) }
            let input = try await Input<B, Q>(
                request: request, body: body, context: context, pathParameters: parameters, bodyFields: bodyFields,
                trustedProxies: trustedProxies)
            guard let key = replayKey ?? (endpoint.isIdempotent ? request.headers[IdempotencyStore.header] : nil) else {
                return try await handler(input, scoped).response(status: endpoint.status)
            }
            // The path as sent: one key used on two projects' runs is two requests, not a replay.
            let scope = "\(endpoint.method) \(request.uri.path) \(owner)"
            return try await store.respond(key: key, scope: scope, body: body, status: endpoint.status, logger: context.logger) {
                guard let model = try await handler(input, scoped) as? any APIModel else {
                    preconditionFailure("\(endpoint.path): an idempotent operation answers a JSON model")
                }
                return try JSONWriter.buffer(model)
            }
        }
    }

    /// A control-plane write may change who may do what (a member removed, a key revoked, a
    /// workspace suspended); tenant data never does.
    private func changesAccess(_ method: HTTPRequest.Method, _ access: Access) -> Bool {
        if case .tenant = access { return false }
        return method != .get && method != .head
    }

    /// A control-plane path that names its workspace (`/workspaces/{workspace_id}/…`) is scoped by
    /// it, not by `X-Workspace-Id`.
    public static let workspaceParameter = "workspace_id"

    private static func pathWorkspace(_ context: AppRequestContext) throws -> UUID {
        guard let raw = context.parameters.get(workspaceParameter), let id = UUID(uuidString: raw) else {
            throw AppError.badRequest("invalid_id", "The workspace_id in the path must be a UUID.")
        }
        return id
    }

    /// The keys a body type documents, when it is a fixed set (a reflected struct).
    private static func fields<B: Decodable>(of type: B.Type) -> Set<String>? {
        if B.self is any RawRequestBody.Type { return nil }
        return bodyFields.value(ObjectIdentifier(B.self)) {
            var reflector = SchemaReflector()
            guard let reference = try? reflector.schema(for: B.self), let schema = reference.ref.flatMap({ reflector.components.schemas[$0] }),
                  schema.additionalProperties == .bool(false)
            else { return nil }
            return Set(schema.properties.names)
        }
    }

    private static let bodyFields = Memo<ObjectIdentifier, Set<String>?>()
}

/// What every route shares before its handler: the authenticator, the workspace lookup, the
/// tenant pools. The composition root builds it from the control plane's parts.
public struct Gates: Sendable {
    let authenticator: any Authenticating
    let workspaces: any WorkspaceResolving
    let tenants: TenantPools
    let tenantVersion: Int
    let controlIdempotency: IdempotencyStore
    let signer: CallbackSigner
    let limits: any WorkspaceLimits
    /// Told of every change made through a control-plane operation of this process (`AccessCache`).
    let accessObservers: [any NotificationObserver]
    /// Peers whose `X-Forwarded-For` is believed (`PlatformConfig.trustedProxies`).
    let trustedProxies: Set<String>

    public init(
        authenticator: any Authenticating, workspaces: any WorkspaceResolving, tenants: TenantPools, tenantVersion: Int, control: PostgresClient,
        signer: CallbackSigner, limits: any WorkspaceLimits, accessObservers: [any NotificationObserver] = [],
        trustedProxies: Set<String> = []
    ) {
        self.accessObservers = accessObservers
        self.trustedProxies = trustedProxies
        self.signer = signer
        self.limits = limits
        self.authenticator = authenticator
        self.workspaces = workspaces
        self.tenants = tenants
        self.tenantVersion = tenantVersion
        self.controlIdempotency = IdempotencyStore(db: control, table: SchemaName.control.table("idempotency_keys"))
    }

    /// `handler`, after which (answered or failed) the access caches are emptied, so this process's
    /// next request sees the change without waiting for the database's notification.
    func tellingAccessObservers<Input, Context, Output>(
        _ handler: @escaping @Sendable (Input, Context) async throws -> Output
    ) -> @Sendable (Input, Context) async throws -> Output {
        { [accessObservers] input, context in
            defer { for observer in accessObservers { observer.notified(DatabaseListener.accessChanged) } }
            return try await handler(input, context)
        }
    }

    func authenticate(_ request: Request, _ logger: Logger) async throws -> (Principal, Logger) {
        guard let principal = try await authenticator.authenticate(request, logger: logger) else { throw AppError.unauthenticated() }
        var logger = logger
        switch principal {
        case .user(let id, _): logger[metadataKey: "user_id"] = "\(id)"
        case .apiKey(let key): logger[metadataKey: "api_key_id"] = "\(key.id)"
        }
        return (principal, logger)
    }

    /// The principal, the workspace it names (`X-Workspace-Id`, or the key's own), and the proof
    /// that it may act there as `permission` asks.
    func workspace(
        _ request: Request, _ logger: Logger, _ permission: Permission, named: UUID? = nil
    ) async throws -> (Principal, WorkspaceMembership, Logger) {
        var (principal, logger) = try await authenticate(request, logger)
        let workspaceID: UUID
        if let named {
            workspaceID = named
        } else if let raw = request.headers[Self.workspaceHeader] {
            guard let parsed = UUID(uuidString: String(raw.trimmingSpaces)) else { throw AppError.invalidWorkspaceID }
            workspaceID = parsed
        } else if case .apiKey(let key) = principal {
            workspaceID = key.workspaceID
        } else if case .user(_, let bound?) = principal {
            workspaceID = bound
        } else {
            throw AppError.workspaceRequired
        }
        logger[metadataKey: "workspace_id"] = "\(workspaceID)"
        if case .apiKey(let key) = principal, key.workspaceID != workspaceID { throw AppError.workspaceForbidden }
        guard let membership = try await workspaces.membership(workspaceID: workspaceID, principal: principal, logger: logger) else {
            throw AppError.workspaceForbidden
        }
        try Self.checkStatus(membership)
        guard permission.allows(principal, role: membership.role) else { throw AppError.insufficientPermissions(permission) }
        return (principal, membership, logger)
    }

    static func checkStatus(_ membership: WorkspaceMembership) throws {
        switch membership.status {
        case "active": break
        case "provisioning": throw AppError.workspaceNotReady
        case "suspended": throw AppError.workspaceSuspended
        default: throw AppError.workspaceForbidden
        }
    }

    /// A named permission, for a person: the workspace's matrix (the catalogue's default when it
    /// has no row). Owners hold everything; keys were decided by their scope.
    func checkMatrix(_ permission: Permission, _ principal: Principal, _ membership: WorkspaceMembership, _ db: TenantDatabase, _ logger: Logger) async throws {
        guard let name = permission.name, case .user = principal, let role = membership.role, role != .owner else { return }
        let allowed = try await db.value(Bool.self, """
            SELECT allowed FROM \(db.table("role_permissions")) WHERE role = \(role.rawValue) AND permission = \(name)
            """, logger: logger)
        guard allowed ?? PermissionCatalog.byDefault(name, role) else { throw AppError.insufficientPermissions(permission) }
    }

    public static let workspaceHeader = HTTPField.Name("X-Workspace-Id")!
}

extension Principal {
    /// Whose idempotency keys and reserved ids these are: `user:<id>` or `key:<id>`.
    public var scopeName: String {
        switch self {
        case .user(let id, _): "user:\(id)"
        case .apiKey(let key): "key:\(key.id)"
        }
    }
}
