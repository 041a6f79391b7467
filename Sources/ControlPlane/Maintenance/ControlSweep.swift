import Foundation
import Logging
import PlatformCore
import PostgresNIO
import ServiceLifecycle

/// Erases what the control schema may keep only for a while, every minute on every worker (each
/// statement is idempotent, so workers may overlap): the sealed sessions of signup jobs finished
/// over 15 minutes ago, and throttle buckets whose window has ended.
struct ControlSweep: Service {
    let client: PostgresClient
    let logger: Logger
    var interval: Duration = .seconds(60)

    /// How long a finished signup job's result may still hand out its session (SPEC §4).
    static let signupResultLifetime: Duration = .seconds(15 * 60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweep()
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("the control sweep failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func sweep() async throws {
        guard try await client.value(Bool.self, "SELECT to_regclass('control.throttle_buckets') IS NOT NULL", logger: logger) == true else { return }
        try await client.execute("""
            UPDATE control.jobs SET result = result - \(SignupJob.sealedField)
            WHERE result ? \(SignupJob.sealedField) AND completed_at < now() - make_interval(secs => \(Self.signupResultLifetime.inSeconds))
            """, logger: logger)
        try await Throttle.sweep(on: client, logger: logger)
    }
}
