import Foundation
import PlatformCore

/// The slugs recordsets and channels are addressed by: made once from a name, unique in their
/// table, never looking like a UUID (a path may name the same thing by its id).
enum Slug {
    /// `Café Leads 2026!` → `cafe-leads-2026`: ASCII letters and digits joined by single dashes;
    /// `fallback` when nothing is left.
    static func make(from name: String, fallback: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var slug = ""
        for character in folded.unicodeScalars {
            if character.isASCII, CharacterSet.alphanumerics.contains(character) {
                slug.unicodeScalars.append(character)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug += "-"
            }
            if slug.count >= 70 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = fallback }
        if UUID(uuidString: slug) != nil { slug += "-" + fallback }
        return slug.lowercased()
    }

    static func isValid(_ slug: String) -> Bool {
        slug.count <= 80 && slug.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) != nil && UUID(uuidString: slug) == nil
    }

    static let invalidMessage = "must be lower-case letters and digits joined by single dashes (at most 80), not a UUID or a reserved word"

    /// `base` if `table` has no such slug (and it is not reserved), else the first free `-2`, `-3` …
    /// suffix. Two inserts racing for one suffix conflict on the unique slug; the loser tries again.
    static func free(_ base: String, in table: QualifiedTable, reserved: Set<String> = []) -> SQLFragment {
        let isReserved = reserved.contains(base)
        return """
            (SELECT CASE WHEN NOT \(isReserved) AND NOT EXISTS (SELECT 1 FROM \(table) WHERE slug = \(base)) THEN \(base)
                    ELSE \(base) || '-' || (coalesce((SELECT max(substring(slug FROM length(\(base)) + 2)::int) FROM \(table)
                            WHERE slug LIKE \(base) || '-%' AND substring(slug FROM length(\(base)) + 2) ~ '^[0-9]{1,9}$'), 1) + 1) END)
            """
    }
}

/// How a path names something addressed by slug: its slug, or (wherever a UUID is given) its id.
/// Generated slugs never look like UUIDs.
enum SlugKey: Sendable {
    case id(UUID)
    case slug(String)

    init(_ raw: String) {
        if let id = UUID(uuidString: raw) { self = .id(id) } else { self = .slug(raw.lowercased()) }
    }

    /// Matches the row aliased `alias` (a recordset `rs`, a channel `c`).
    func matches(_ alias: SQLFragment) -> SQLFragment {
        switch self {
        case .id(let id): "\(alias).id = \(id)"
        case .slug(let slug): "\(alias).slug = \(slug)"
        }
    }
}
