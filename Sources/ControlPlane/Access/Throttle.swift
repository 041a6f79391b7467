import Foundation
import PlatformCore

/// Slows guessing of secrets: after `limit` failures for one key within `window` (an email for
/// logins, the client's address for tokens), that key answers 429 until the window has passed.
/// Per process; a success clears the count. (Issue 13 hardens it.)
actor Throttle {
    private let limit: Int
    private let window: Duration
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait, or nil when a login may be tried.
    func retryAfter(_ key: String) -> Int? {
        let recent = prune(key)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest + window - .now).components.seconds))
    }

    func recordFailure(_ key: String) {
        failures[key, default: []].append(.now)
        if failures.count > 100_000 { failures.removeAll() }
    }

    func recordSuccess(_ key: String) { failures[key] = nil }

    private func prune(_ key: String) -> [ContinuousClock.Instant] {
        let cutoff = ContinuousClock.now - window
        let recent = (failures[key] ?? []).filter { $0 > cutoff }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}

extension Throttle {
    /// Runs `attempt` unless `key` is locked out; a thrown `AppError` with a 4xx status other than
    /// 429 counts as a failure, a return as a success.
    nonisolated func guarding<T: Sendable>(_ key: String, _ attempt: () async throws -> T) async throws -> T {
        if let wait = await retryAfter(key) {
            throw AppError.tooManyRequests(retryAfter: wait, "Too many failed attempts; try again later.")
        }
        do {
            let result = try await attempt()
            await recordSuccess(key)
            return result
        } catch let error as AppError where (400..<500).contains(error.status.code) && error.status != .tooManyRequests {
            await recordFailure(key)
            throw error
        }
    }
}
