import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Holds one connection in `LISTEN platform_events` and posts each payload to the hub. Payloads are
/// keys such as `job:<uuid>` or `jobs`. After a reconnect every waiter is woken to re-read its table.
/// Observers (the access caches) hear each payload first, and whether the listener is listening.
public struct DatabaseListener: Service {
    public static let channel = "platform_events"
    /// The payload of a change to workspaces, members or keys (control migration 0015).
    public static let accessChanged = "access"
    /// The payload of a signup taking a warm schema (`Migrator.claimWarmSchema`), which wakes the refill.
    public static let warmSchemaTaken = "warm_schema_taken"
    let client: PostgresClient
    let hub: NotificationHub
    let observers: [any NotificationObserver]
    let logger: Logger

    public init(client: PostgresClient, hub: NotificationHub, observers: [any NotificationObserver] = [], logger: Logger) {
        self.client = client
        self.hub = hub
        self.observers = observers
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for observer in observers { observer.listening(true) }
                            defer { for observer in observers { observer.listening(false) } }
                            await hub.postAll()
                            backoff = .milliseconds(100)
                            for try await notification in notifications {
                                for observer in observers { observer.notified(notification.payload) }
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
