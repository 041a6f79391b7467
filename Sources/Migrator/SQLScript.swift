import Foundation

/// Splits a SQL script into statements. PostgresNIO speaks only the extended protocol, which takes
/// one statement per query, so a migration file is sent statement by statement. Semicolons inside
/// quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
enum SQLScript {
    static func statements(in script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty, !isOnlyComments(statement) { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        func copy(until end: Int) {
            current.append(contentsOf: characters[index..<min(end, characters.count)])
            index = min(end, characters.count)
        }
        func find(_ needle: [Unicode.Scalar], from start: Int) -> Int? {
            guard !needle.isEmpty, start <= characters.count - needle.count else { return nil }
            for position in start...(characters.count - needle.count) where Array(characters[position..<position + needle.count]) == needle {
                return position
            }
            return nil
        }

        while index < characters.count {
            let character = characters[index]
            let next: Unicode.Scalar? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case ";":
                index += 1
                flush()
            case "'", "\"":
                var end = index + 1
                while end < characters.count {
                    if characters[end] == character {
                        if end + 1 < characters.count, characters[end + 1] == character { end += 2; continue }
                        break
                    }
                    end += 1
                }
                copy(until: end + 1)
            case "-" where next == "-":
                let end = find(["\n"], from: index) ?? characters.count
                copy(until: end)
            case "/" where next == "*":
                let end = find(["*", "/"], from: index + 2).map { $0 + 2 } ?? characters.count
                copy(until: end)
            case "$":
                if let tag = dollarTag(characters, at: index), let close = find(tag, from: index + tag.count) {
                    copy(until: close + tag.count)
                } else {
                    copy(until: index + 1)
                }
            default:
                copy(until: index + 1)
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `index`.
    private static func dollarTag(_ characters: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < characters.count {
            let character = characters[end]
            if character == "$" { return Array(characters[index...end]) }
            guard character.properties.isAlphabetic || character == "_" || (end > index + 1 && ("0"..."9").contains(character)) else { return nil }
            end += 1
        }
        return nil
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
