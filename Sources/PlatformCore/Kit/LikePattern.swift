/// A `?search=` term as an `ILIKE` pattern that matches it anywhere, its `%`, `_` and `\` taken
/// literally.
public enum LikePattern {
    public static func containing(_ term: String?) -> String? {
        term.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
    }
}
