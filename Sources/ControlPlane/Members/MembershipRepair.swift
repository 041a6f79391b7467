import Foundation
import Logging
import ServiceLifecycle

/// Finishes memberships a crash left between the two databases: at start, then every minute.
struct MembershipRepair: Service {
    let members: WorkspaceMembers
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let repaired = try await members.repair(logger: logger)
                    if repaired > 0 { logger.notice("memberships repaired", metadata: ["count": "\(repaired)"]) }
                } catch {
                    logger.warning("membership repair could not run", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
