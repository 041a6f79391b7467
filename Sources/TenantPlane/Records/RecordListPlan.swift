import PlatformCore

/// How a filtered record list finds its page once the count is known.
public enum RecordListPlan {
    /// Whether to gather every match before sorting, rather than let PostgreSQL walk an index in
    /// the page's order and filter as it goes. It cannot tell how rare a JSON match is, and walking
    /// past 99,990 misses for 10 matches is its worst plan. The count tells: walking reads about
    /// `upTo × scope ÷ total` rows to fill the page (`scope`: the records it walks, when known),
    /// gathering reads `total`.
    public static func collectsMatchesFirst(total: Int, of scope: Int?, upTo: Int) -> Bool {
        guard total <= 5_000 else { return false }
        guard let scope, total > 0 else { return true }
        return total * total < upTo * scope
    }

    /// The page statement for `from` (a `FROM … WHERE …` over records aliased `r`) in the plan
    /// chosen by `collectsMatchesFirst`.
    public static func page(_ from: SQLFragment, order: SQLFragment, page: Page, total: Int, of scope: Int?) -> SQLFragment {
        let window: SQLFragment = "ORDER BY \(order) LIMIT \(page.limit) OFFSET \(page.offset)"
        return collectsMatchesFirst(total: total, of: scope, upTo: page.offset + page.limit)
            ? "WITH matched AS MATERIALIZED (SELECT r.* \(from)) SELECT * FROM matched r \(window)"
            : "SELECT r.* \(from) \(window)"
    }
}
