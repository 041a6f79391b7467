import Foundation

/// Slows password guessing: after `limit` failures for one email within `window`, logins for that
/// email answer 429 until the window has passed. Per process; a success clears the count.
actor LoginThrottle {
    private let limit: Int
    private let window: Duration
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait, or nil when a login may be tried.
    func retryAfter(_ email: String) -> Int? {
        let recent = prune(email)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest + window - .now).components.seconds))
    }

    func recordFailure(_ email: String) {
        failures[email, default: []].append(.now)
        if failures.count > 100_000 { failures.removeAll() }
    }

    func recordSuccess(_ email: String) { failures[email] = nil }

    private func prune(_ email: String) -> [ContinuousClock.Instant] {
        let cutoff = ContinuousClock.now - window
        let recent = (failures[email] ?? []).filter { $0 > cutoff }
        failures[email] = recent.isEmpty ? nil : recent
        return recent
    }
}
