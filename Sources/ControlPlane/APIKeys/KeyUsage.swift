import Foundation
import Logging
import PostgresNIO

/// Records `last_used_at` at most once a minute per key, after the request that used it: the
/// request never waits for the write, and a burst of requests costs one write, not one each.
actor KeyUsage {
    private let client: PostgresClient
    private var noted: [UUID: ContinuousClock.Instant] = [:]

    init(client: PostgresClient) {
        self.client = client
    }

    /// Called on every use; `stale` says the stored time is over a minute old.
    nonisolated func used(_ keyID: UUID, stale: Bool, logger: Logger) {
        guard stale else { return }
        Task { await self.write(keyID, logger: logger) }
    }

    private func write(_ keyID: UUID, logger: Logger) async {
        let now = ContinuousClock.now
        if let last = noted[keyID], now - last < .seconds(60) { return }
        noted[keyID] = now
        if noted.count > 10_000 { noted = noted.filter { now - $0.value < .seconds(60) } }
        do {
            // The condition keeps other processes to once a minute too.
            try await client.query("""
                UPDATE control.api_keys SET last_used_at = now()
                WHERE id = \(keyID) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """, logger: logger)
        } catch {
            logger.warning("could not record an API key's last use", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
