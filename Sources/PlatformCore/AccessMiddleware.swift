import Foundation
import HTTPTypes
import Hummingbird

/// Attaches the principal (if any credentials were sent). Bad credentials fail here with 401.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let authenticator: any Authenticating

    public init(_ authenticator: any Authenticating) { self.authenticator = authenticator }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = try await authenticator.authenticate(request, logger: context.logger)
        switch context.principal {
        case .user(let id): context.logger[metadataKey: "user_id"] = "\(id)"
        case .apiKey(let key): context.logger[metadataKey: "api_key_id"] = "\(key.id)"
        case nil: break
        }
        return try await next(request, context)
    }
}

/// Resolves `X-Workspace-Id` into a tenant the principal may use, for routes under a `TenantContext`.
public struct TenantMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public static let header = HTTPField.Name("X-Workspace-Id")!
    let resolver: any TenantResolving

    public init(_ resolver: any TenantResolving) { self.resolver = resolver }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let principal = try context.requirePrincipal()
        let workspaceID: UUID
        if let raw = request.headers[Self.header] {
            guard let parsed = UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)) else {
                throw AppError.badRequest("invalid_workspace_id", "X-Workspace-Id must be a UUID.")
            }
            workspaceID = parsed
        } else if case .apiKey(let key) = principal {
            workspaceID = key.workspaceID
        } else {
            throw AppError.badRequest("workspace_required", "The X-Workspace-Id header is required.")
        }
        var context = context
        context.logger[metadataKey: "workspace_id"] = "\(workspaceID)"
        context.tenant = try await resolver.resolve(workspaceID: workspaceID, principal: principal, logger: context.logger)
        return try await next(request, context)
    }
}
