import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Holds one connection in `LISTEN platform_events` and posts each payload to the hub. Payloads are
/// keys such as `job:<uuid>` or `jobs`. After a reconnect every waiter is woken to re-read its table.
public struct DatabaseListener: Service {
    public static let channel = "platform_events"
    let client: PostgresClient
    let hub: NotificationHub
    let logger: Logger

    public init(client: PostgresClient, hub: NotificationHub, logger: Logger) {
        self.client = client
        self.hub = hub
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            await hub.postAll()
                            backoff = .milliseconds(100)
                            for try await notification in notifications {
                                await hub.post(notification.payload)
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("database listener lost its connection", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
