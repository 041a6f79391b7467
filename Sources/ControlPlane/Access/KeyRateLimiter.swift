import Foundation
import PlatformCore

/// A token bucket per principal (an API key, a user): `burst` requests at once, refilled at
/// `perSecond`. Per process, so N instances allow N times the rate; good enough to stop a runaway
/// script, not a billing meter.
actor KeyRateLimiter {
    private let perSecond: Double
    private let burst: Double
    private var buckets: [UUID: (tokens: Double, updated: ContinuousClock.Instant)] = [:]

    init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = Double(burst)
    }

    /// Takes one token; returns nil when allowed, or the seconds until a token is available.
    func acquire(_ key: UUID) -> Int? {
        let now = ContinuousClock.now
        var bucket = buckets[key] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated).inSeconds * perSecond)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        if buckets.count > 100_000 { forgetRefilled(now) }
        return nil
    }

    /// Bounds the memory without lifting any limit: a bucket that has refilled to `burst` is
    /// the same as no bucket.
    private func forgetRefilled(_ now: ContinuousClock.Instant) {
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated).inSeconds * perSecond < burst }
    }
}
