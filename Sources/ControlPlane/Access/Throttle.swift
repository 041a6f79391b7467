import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// Budgets against guessing and flooding, kept in PostgreSQL (`control.throttle_buckets`) so they
/// hold across concurrent requests and across processes. A unit is taken atomically *before* the
/// work it guards, so sixty requests at once cannot all get past a budget of five; a full budget
/// answers 429 with `Retry-After` until its window ends. Keys are stored only as SHA-256 digests,
/// and the control sweep deletes buckets whose window has ended: memory stays bounded without a
/// live budget ever being reset.
struct Throttle: Sendable {
    let client: PostgresClient

    /// A number of units per window, for one key in one scope.
    struct Budget: Sendable {
        let scope: String
        let limit: Int
        let window: Duration
        let message: String
    }

    /// Takes a unit of `budget` for `key` and returns how many are taken in the current window,
    /// or throws 429 when none is left.
    @discardableResult
    func take(_ budget: Budget, _ key: String, logger: Logger) async throws -> Int {
        let bucket = Self.bucket(budget, key)
        if let taken = try await client.value(Int.self, """
            INSERT INTO control.throttle_buckets AS b (bucket, taken, expires_at)
            VALUES (\(bucket), 1, now() + make_interval(secs => \(budget.window.inSeconds)))
            ON CONFLICT (bucket) DO UPDATE SET
                taken = CASE WHEN b.expires_at <= now() THEN 1 ELSE b.taken + 1 END,
                expires_at = CASE WHEN b.expires_at <= now() THEN EXCLUDED.expires_at ELSE b.expires_at END
            WHERE b.expires_at <= now() OR b.taken < \(budget.limit)
            RETURNING taken
            """, logger: logger) {
            return taken
        }
        throw try await refusal(budget, key, logger: logger)
    }

    /// Gives back a unit taken for work that turned out not to count (a login that succeeded).
    func giveBack(_ budget: Budget, _ key: String, logger: Logger) async throws {
        try await client.execute("""
            UPDATE control.throttle_buckets SET taken = greatest(taken - 1, 0) WHERE bucket = \(Self.bucket(budget, key))
            """, logger: logger)
    }

    /// Forgets every unit taken for `key` (the owner proved who they are).
    func clear(_ budget: Budget, _ key: String, logger: Logger) async throws {
        try await client.execute("DELETE FROM control.throttle_buckets WHERE bucket = \(Self.bucket(budget, key))", logger: logger)
    }

    /// The 429 for a full budget, with the seconds until its window ends.
    func refusal(_ budget: Budget, _ key: String, logger: Logger) async throws -> AppError {
        let seconds = try await client.value(Int.self, """
            SELECT ceil(extract(epoch FROM expires_at - now()))::int FROM control.throttle_buckets WHERE bucket = \(Self.bucket(budget, key))
            """, logger: logger)
        return AppError.tooManyRequests(retryAfter: max(1, seconds ?? 1), budget.message)
    }

    private static func bucket(_ budget: Budget, _ key: String) -> Data {
        Digest.sha256(budget.scope + "\u{0}" + key)
    }

    /// Delete buckets whose window has ended (the control sweep).
    static func sweep(on client: PostgresClient, logger: Logger) async throws {
        try await client.execute("DELETE FROM control.throttle_buckets WHERE expires_at < now()", logger: logger)
    }
}

extension Throttle {
    /// Runs `attempt` with a unit of `budget` taken for `key` first. A thrown `AppError` with a 4xx
    /// status other than 429 keeps the unit (a failure counts); anything else gives it back.
    func guarding<T: Sendable>(
        _ budget: Budget, _ key: String, logger: Logger, isolation: isolated (any Actor)? = #isolation, _ attempt: () async throws -> T
    ) async throws -> T {
        try await take(budget, key, logger: logger)
        do {
            let result = try await attempt()
            try await giveBack(budget, key, logger: logger)
            return result
        } catch let error as AppError where (400..<500).contains(error.status.code) && error.status != .tooManyRequests {
            throw error
        } catch {
            try? await giveBack(budget, key, logger: logger)
            throw error
        }
    }
}

extension Throttle.Budget {
    /// Failed one-time tokens (reset, activation, invitations) per client address.
    static let secrets = Self(scope: "secrets", limit: 10, window: .seconds(15 * 60), message: "Too many failed attempts; try again later.")
    /// Failed current-password checks per user.
    static let passwordChange = Self(
        scope: "password-change", limit: 5, window: .seconds(15 * 60), message: "Too many failed attempts; try again later.")
    /// Failed logins for one account from one client address: the attacker's lockout, which leaves
    /// the owner free to sign in from elsewhere.
    static let loginFromClient = Self(
        scope: "login-account-client", limit: 5, window: .seconds(15 * 60), message: "Too many failed logins for this account; try again later.")
    /// Failed logins for one account from anywhere: the first five are answered 401, later ones
    /// 429; past fifty, no attempt is checked until the window ends.
    static let loginAccount = Self(
        scope: "login-account", limit: 50, window: .seconds(15 * 60), message: "Too many failed logins for this account; try again later.")
    static let loginAnswered = 5

    static func login(perClient limits: ThrottleLimits) -> Self {
        Self(scope: "login-client", limit: limits.loginsPerClient, window: .seconds(15 * 60), message: "Too many logins from this address; try again later.")
    }
    static func login(overall limits: ThrottleLimits) -> Self {
        Self(scope: "login", limit: limits.loginsPerMinute, window: .seconds(60), message: "Too many logins right now; try again shortly.")
    }
    static func signup(perClient limits: ThrottleLimits) -> Self {
        Self(scope: "signup-client", limit: limits.signupsPerClient, window: .seconds(3_600), message: "Too many signups from this address; try again later.")
    }
    static func signup(overall limits: ThrottleLimits) -> Self {
        Self(scope: "signup", limit: limits.signupsPerMinute, window: .seconds(60), message: "Too many signups right now; try again shortly.")
    }
}
