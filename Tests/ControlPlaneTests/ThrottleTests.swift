import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing
@testable import ControlPlane

/// The budgets hold under concurrency and across processes (they live in PostgreSQL, taken before
/// the work), lock the attacker's (account, address) before the account, and expire on their own.
@Suite struct ThrottleTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func login(_ client: any TestClientProtocol, _ email: String, _ password: String, from address: String?) async throws -> JSONResponse {
        try await client.request(
            .post, "/api/v1/auth/login", json: ["email": .string(email), "password": .string(password)],
            headers: address.map { [forwardedFor: $0] } ?? [:])
    }

    /// Sixty wrong passwords at once from one address, half through each of two platform processes
    /// on one database: five are checked and answered 401, the rest 429 with `Retry-After`. The
    /// attacker's address stays locked out even with the right password; the owner, elsewhere, is not.
    @Test func sixtyParallelGuessesGetFiveAnswersAndTheOwnerStillSignsIn() async throws {
        let trustLoopback: @Sendable (inout PlatformConfig) -> Void = {
            $0.trustedProxies = ["127.0.0.1"]
            $0.throttles = ThrottleLimits()
        }
        try await TestPlatform.run(.live, configure: trustLoopback) { first, platform in
            let account = SeedAccount.bob
            try await TestPlatform.run(on: platform.url, .live, configure: trustLoopback) { second, _ in
                let ports = [try #require(first.port), try #require(second.port)]
                let answers = try await withThrowingTaskGroup(of: LoopbackRequest.Answer.self) { group in
                    for attempt in 0..<60 {
                        group.addTask {
                            try await LoopbackRequest.post(
                                port: ports[attempt % 2], "/api/v1/auth/login",
                                json: ["email": .string(account.email), "password": .string("wrong guess \(attempt)")],
                                headers: [("X-Forwarded-For", "203.0.113.7")])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.filter { $0.status == 401 }.count == 5)
                #expect(answers.filter { $0.status == 429 }.count == 55)
                #expect(answers.filter { $0.status == 429 }.allSatisfy { Int($0.retryAfter ?? "") ?? 0 > 0 })

                #expect(try await Self.login(second, account.email, account.password, from: "203.0.113.7").status == .tooManyRequests)
                let owner = try await Self.login(first, account.email, account.password, from: "198.51.100.9")
                #expect(owner.status == .ok, "\(owner.text)")
                // Past five failures for the account, a wrong password from anywhere is a 429.
                #expect(try await Self.login(second, account.email, "one more guess", from: "192.0.2.44").status == .tooManyRequests)
            }
        }
    }

    /// Without a trusted proxy `X-Forwarded-For` is the client's word, and ignored: rotating it
    /// buys no more guesses.
    @Test func aForgedForwardedForBuysNoGuesses() async throws {
        try await TestPlatform.run(.live, configure: { $0.throttles = ThrottleLimits() }) { client, _ in
            let account = SeedAccount.carol
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<8 {
                statuses.append(try await Self.login(client, account.email, "guess \(attempt)", from: "10.0.0.\(attempt)").status)
            }
            #expect(statuses == Array(repeating: .unauthorized, count: 5) + Array(repeating: .tooManyRequests, count: 3))
        }
    }

    @Test func signupsHaveABudgetPerAddress() async throws {
        try await TestPlatform.run(.live, configure: {
            $0.trustedProxies = ["127.0.0.1"]
            $0.throttles = ThrottleLimits(signupsPerClient: 3)
        }) { client, platform in
            func signup(_ n: Int, from address: String) async throws -> JSONResponse {
                try await client.request(
                    .post, "/api/v1/auth/signup/async", json: SignupTests.signupBody("burst-\(n)-\(UUID().uuidString.prefix(6))@example.com"),
                    headers: [Self.forwardedFor: address])
            }
            var statuses: [HTTPResponse.Status] = []
            for n in 0..<5 { statuses.append(try await signup(n, from: "203.0.113.8").status) }
            #expect(statuses == [.accepted, .accepted, .accepted, .tooManyRequests, .tooManyRequests])
            let refused = try await signup(9, from: "203.0.113.8")
            #expect(refused.errorCode == "rate_limited")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 3_000)
            #expect(try await signup(10, from: "198.51.100.10").status == .accepted)
            #expect(try await counts(platform, "SELECT count(*)::int FROM control.jobs WHERE kind = 'signup'") == [4])
        }
    }

    /// The sweep deletes only buckets whose window has ended: a live lockout is never reset.
    @Test func theSweepForgetsOnlyEndedWindows() async throws {
        try await TestPlatform.run(seeded: false, parts: [.controlAPI]) { _, platform in
            try await platform.withDatabase { db in
                let throttle = Throttle(client: db)
                let live = Throttle.Budget(scope: "live", limit: 2, window: .seconds(3_600), message: "slow down")
                let ending = Throttle.Budget(scope: "ending", limit: 2, window: .seconds(60), message: "slow down")
                let logger = TestDatabase.logger
                for budget in [live, ending] {
                    #expect(try await throttle.take(budget, "k", logger: logger) == 1)
                    #expect(try await throttle.take(budget, "k", logger: logger) == 2)
                    await #expect(throws: AppError.self) { try await throttle.take(budget, "k", logger: logger) }
                }
                // The short window ends (moved into the past rather than waited for).
                try await db.query("""
                    UPDATE control.throttle_buckets SET expires_at = now() - interval '1 second' WHERE expires_at < now() + interval '120 seconds'
                    """, logger: logger)
                try await Throttle.sweep(on: db, logger: logger)
                #expect(try await db.query("SELECT count(*)::int FROM control.throttle_buckets", logger: logger).collect().first?.decode(Int.self) == 1)
                await #expect(throws: AppError.self) { try await throttle.take(live, "k", logger: logger) }
                #expect(try await throttle.take(ending, "k", logger: logger) == 1)
            }
        }
    }
}
