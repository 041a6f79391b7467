import Foundation
import Hummingbird

/// The router's context. Handlers never see it: `RouteTable` turns it into the context their
/// operation's access rule proves (`OpenContext`, `AuthenticatedContext`, `WorkspaceContext`,
/// `TenantContext`).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { 1 << 20 }
    public var responseEncoder: JSONEncoder { .platform }
}
