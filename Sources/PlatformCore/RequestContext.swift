import Foundation
import Hummingbird

/// The router's context. Handlers never see it: `RouteTable` turns it into the context their
/// operation's access rule proves (`OpenContext`, `AuthenticatedContext`, `WorkspaceContext`,
/// `TenantContext`).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address, for the audit log and throttles keyed by client.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { 1 << 20 }
    public var responseEncoder: JSONEncoder { .platform }
}
