public enum ProviderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No API key configured; `variable` names the environment variable to set.
    case missingAPIKey(variable: String)
    /// A 4xx other than 429: retrying would not help.
    case requestRejected(status: Int, message: String)
    /// 429 or 5xx still failing after every allowed attempt.
    case unavailable(status: Int, attempts: Int, message: String)
    case malformedResponse(String)
    case timedOut(attempts: Int)
    case transport(String)

    public var description: String {
        switch self {
        case .missingAPIKey(let variable): "missing API key: set \(variable)"
        case .requestRejected(let status, let message): "request rejected with HTTP \(status): \(message)"
        case .unavailable(let status, let attempts, let message):
            "provider unavailable (HTTP \(status)) after \(attempts) attempts: \(message)"
        case .malformedResponse(let detail): "malformed response: \(detail)"
        case .timedOut(let attempts): "timed out after \(attempts) attempts"
        case .transport(let detail): "transport error: \(detail)"
        }
    }
}
