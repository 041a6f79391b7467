import Testing
@testable import VisibilityEngine

@Suite("Metering and retry policy")
struct PriceAndRetryTests {
    @Test func costRoundsHalfUpToWholeMicroDollars() {
        let table = PriceTable(["m": .init(inputPerMillionTokens: 150_000, outputPerMillionTokens: 600_000)])
        // 1000 × 0.15 + 500 × 0.6 = 450 µUSD exactly; 3 × 0.15 + 1 × 0.6 = 1.05 → 1
        #expect(table.costMicroUSD(model: "m", inputTokens: 1000, outputTokens: 500) == 450)
        #expect(table.costMicroUSD(model: "m", inputTokens: 3, outputTokens: 1) == 1)
        #expect(table.costMicroUSD(model: "unknown", inputTokens: 3, outputTokens: 1) == nil)
    }

    @Test func longestPrefixPricesDatedSnapshots() {
        #expect(PriceTable.defaults.price(forModel: "gpt-4o-mini-2024-07-18") == PriceTable.defaults.prices["gpt-4o-mini"])
        #expect(PriceTable.defaults.price(forModel: "gpt-4o-2024-08-06") == PriceTable.defaults.prices["gpt-4o"])
    }

    @Test func backoffDoublesUpToTheCapAndRetryAfterWins() {
        let policy = RetryPolicy(maximumAttempts: 5, baseDelay: .milliseconds(100), maximumDelay: .milliseconds(300))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil) == .milliseconds(300))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .zero) == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(60)) == .milliseconds(300))
        #expect(RetryPolicy.parseRetryAfter(" 2 ") == .seconds(2))
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 404))
    }
}
