import Foundation
import Logging
import ServiceLifecycle

/// Ends trials, renews periods (applying scheduled downgrades) and ends canceled subscriptions as
/// their times pass, once a minute; any number of workers may run it (`Subscriptions.advance`).
struct SubscriptionClock: Service {
    let subscriptions: Subscriptions
    let queue: JobQueue
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        try await queue.waitForSchema(logger: logger)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let made = try await subscriptions.advance(to: Date(), logger: logger)
                    if made > 0 { logger.info("subscriptions advanced", metadata: ["transitions": "\(made)"]) }
                } catch {
                    logger.warning("subscriptions could not be advanced", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
