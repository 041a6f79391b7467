import Foundation
import Logging
import ServiceLifecycle

/// Enqueues each maintenance kind once a UTC day. The day is the job's idempotency key, so any
/// number of workers (and restarts) agree on one job per kind per day.
struct MaintenanceSchedule: Service {
    let queue: JobQueue
    let kinds: [String]
    let logger: Logger
    var interval: Duration = .seconds(3_600)

    static func idempotencyKey(_ kind: String, on day: Date) -> String {
        let format = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()
        return "\(kind):\(day.formatted(format))"
    }

    func run() async throws {
        guard !kinds.isEmpty else { return }
        try await queue.waitForSchema(logger: logger)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for kind in kinds {
                    do {
                        _ = try await queue.enqueue(kind: kind, payload: [:], idempotencyKey: Self.idempotencyKey(kind, on: Date()), logger: logger)
                    } catch {
                        logger.warning("maintenance could not be scheduled", metadata: ["kind": "\(kind)", "error": "\(String(reflecting: error))"])
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
