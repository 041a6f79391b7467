import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Records `last_used_at` at most once a minute per key and process, after the request that used
/// it: the request never waits for the write, and a burst of requests costs one write, not one each.
final class KeyUsage: Sendable {
    private let client: PostgresClient
    private let noted = Mutex<[UUID: ContinuousClock.Instant]>([:])

    init(client: PostgresClient) {
        self.client = client
    }

    /// Called on every use.
    func used(_ keyID: UUID, logger: Logger) {
        let now = ContinuousClock.now
        let due = noted.withLock { noted in
            if let last = noted[keyID], now - last < .seconds(60) { return false }
            if noted.count > 10_000 { noted = noted.filter { now - $0.value < .seconds(60) } }
            noted[keyID] = now
            return true
        }
        guard due else { return }
        Task {
            do {
                // The condition keeps other processes to once a minute too.
                try await client.execute("""
                    UPDATE control.api_keys SET last_used_at = now()
                    WHERE id = \(keyID) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                    """, logger: logger)
            } catch {
                logger.warning("could not record an API key's last use", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }
}
