import Foundation

/// Bounded retries on 429 and 5xx with exponential backoff; a `Retry-After` header wins over
/// the computed delay but never exceeds `maximumDelay`.
public struct RetryPolicy: Hashable, Sendable {
    public var maximumAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration
    /// Per attempt, covering connect, request and response body.
    public var requestTimeout: Duration

    public init(
        maximumAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(20),
        requestTimeout: Duration = .seconds(60)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.requestTimeout = requestTimeout
    }

    static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// Delay before attempt `attempt + 1`, `attempt` being 1-based.
    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maximumDelay) }
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        return min(exponential, maximumDelay)
    }

    /// `Retry-After` as delta-seconds; HTTP dates are ignored and fall back to backoff.
    static func parseRetryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            return nil
        }
        return .milliseconds(Int(seconds * 1000))
    }
}
