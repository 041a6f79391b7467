import Foundation
import Hummingbird

/// The root context: middlewares fill in what they prove about the request.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var tenant: Tenant?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { 1 << 20 }
    public var responseEncoder: JSONEncoder { .platform }

    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw AppError.unauthenticated() }
        return principal
    }
}

/// A workspace the caller may act in, resolved from `X-Workspace-Id` by `TenantMiddleware`.
public struct Tenant: Sendable {
    public let workspaceID: UUID
    public let schema: SchemaName
    /// The member's role; nil when the caller is an API key (scopes decide then).
    public let role: Role?

    public init(workspaceID: UUID, role: Role?) {
        self.workspaceID = workspaceID
        self.schema = .tenant(workspaceID)
        self.role = role
    }
}

/// A context that cannot exist without an authenticated principal and a resolved tenant.
public struct TenantContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let principal: Principal
    public let tenant: Tenant

    public init(context: AppRequestContext) throws {
        guard let principal = context.principal else { throw AppError.unauthenticated() }
        guard let tenant = context.tenant else {
            throw AppError.badRequest("workspace_required", "The X-Workspace-Id header is required.")
        }
        self.coreContext = context.coreContext
        self.principal = principal
        self.tenant = tenant
    }

    public var maxUploadSize: Int { 1 << 20 }
    public var responseEncoder: JSONEncoder { .platform }

    public func require(_ permission: Permission) throws {
        let allowed: Bool
        switch principal {
        case .user:
            allowed = (tenant.role ?? .viewer) >= permission.minimumRole
        case .apiKey(let key):
            allowed = key.scopes.contains(permission.scope) || key.scopes.contains(Permission.admin.scope)
        }
        guard allowed else {
            throw AppError.forbidden("insufficient_permissions", "This action needs the \(permission.scope) permission.")
        }
    }
}

extension JSONEncoder {
    /// ISO 8601 dates and unescaped slashes (`/api/v1/…`, not `\/api\/v1\/…`).
    public static var platform: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }
}
