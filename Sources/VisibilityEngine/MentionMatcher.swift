/// Whole-word, case- and diacritic-insensitive matching of brand names and aliases.
/// At each position the longest term wins, so "Apple Music" is not also counted as "Apple".
struct MentionMatcher {
    struct Mention {
        let brandIndex: Int
        /// Folded offsets, end exclusive.
        let start: Int
        let end: Int
        /// Cased letters present and all lower-case, as in a common noun ("notion").
        let isAllLowercase: Bool
    }

    private struct Term {
        let brandIndex: Int
        /// Range in `termScalars`; terms are stored flat so matching copies no arrays.
        let scalars: Range<Int>
        let startsWithWord: Bool
        let endsWithWord: Bool
    }

    private let termScalars: [UInt32]
    /// Terms grouped by first scalar, longest first.
    private let terms: [Term]
    private let asciiCandidates: [Range<Int>]
    private let otherCandidates: [UInt32: Range<Int>]
    /// When every term starts with a letter or digit, only word starts need checking.
    private let everyTermStartsWithWord: Bool

    init(brands: [BrandProfile]) {
        var folded: [(brandIndex: Int, scalars: [UInt32])] = []
        for (brandIndex, brand) in brands.enumerated() {
            var seen = Set<[UInt32]>()
            for name in [brand.name] + brand.aliases {
                let scalars = TextFolding.fold(name)
                if !scalars.isEmpty, seen.insert(scalars).inserted { folded.append((brandIndex, scalars)) }
            }
        }
        folded.sort { ($0.scalars[0], $1.scalars.count) < ($1.scalars[0], $0.scalars.count) }
        var termScalars: [UInt32] = []
        var terms: [Term] = []
        var asciiCandidates = [Range<Int>](repeating: 0..<0, count: 128)
        var otherCandidates: [UInt32: Range<Int>] = [:]
        for (brandIndex, scalars) in folded {
            let first = scalars[0]
            terms.append(
                Term(
                    brandIndex: brandIndex, scalars: termScalars.count..<(termScalars.count + scalars.count),
                    startsWithWord: TextFolding.isWordScalar(first),
                    endsWithWord: TextFolding.isWordScalar(scalars[scalars.count - 1])))
            termScalars.append(contentsOf: scalars)
            let termIndex = terms.count - 1
            if first < 128 {
                let existing = asciiCandidates[Int(first)]
                asciiCandidates[Int(first)] = existing.isEmpty ? termIndex..<(termIndex + 1) : existing.lowerBound..<(termIndex + 1)
            } else {
                let existing = otherCandidates[first]
                otherCandidates[first] = (existing?.lowerBound ?? termIndex)..<(termIndex + 1)
            }
        }
        self.termScalars = termScalars
        self.terms = terms
        self.asciiCandidates = asciiCandidates
        self.otherCandidates = otherCandidates
        everyTermStartsWithWord = terms.allSatisfy(\.startsWithWord)
    }

    /// Mentions in document order, skipping anything inside `excluded` (URL spans, sorted).
    func mentions(in text: FoldedText, excluding excluded: [URLExtractor.Span] = []) -> [Mention] {
        let scalars = text.scalars
        var mentions: [Mention] = []
        var excludedCursor = 0
        var index = 0
        while index < scalars.count {
            while excludedCursor < excluded.count, excluded[excludedCursor].end <= index { excludedCursor += 1 }
            if excludedCursor < excluded.count, excluded[excludedCursor].start <= index {
                index = excluded[excludedCursor].end
                continue
            }
            if everyTermStartsWithWord, index > 0, TextFolding.isWordScalar(scalars[index - 1]) {
                index += 1
                continue
            }
            let first = scalars[index]
            let candidates = first < 128 ? asciiCandidates[Int(first)] : (otherCandidates[first] ?? 0..<0)
            var matchedEnd: Int?
            for termIndex in candidates {
                let term = terms[termIndex]
                guard let end = matchEnd(of: term, in: text, at: index) else { continue }
                mentions.append(
                    Mention(
                        brandIndex: term.brandIndex, start: index, end: end,
                        isAllLowercase: isAllLowercase(text, from: index, to: end)))
                matchedEnd = end
                break
            }
            index = matchedEnd ?? index + 1
        }
        return mentions
    }

    private func matchEnd(of term: Term, in text: FoldedText, at start: Int) -> Int? {
        let scalars = text.scalars
        let end = start + term.scalars.count
        guard end <= scalars.count else { return nil }
        if term.startsWithWord, text.isWordScalar(at: start - 1) { return nil }
        var position = start + 1
        for termPosition in (term.scalars.lowerBound + 1)..<term.scalars.upperBound {
            let value = scalars[position]
            let expected = termScalars[termPosition]
            if value != expected, !(value == 0x0A && expected == 0x20) { return nil }
            position += 1
        }
        if term.endsWithWord, text.isWordScalar(at: end) { return nil }
        return isPartOfHostName(text, start: start, end: end) ? nil : end
    }

    /// "acme.io" or "app.acme" name a host, not the brand; URLs with a scheme are excluded earlier.
    private func isPartOfHostName(_ text: FoldedText, start: Int, end: Int) -> Bool {
        let scalars = text.scalars
        if end + 1 < scalars.count, scalars[end] == 0x2E, text.isWordScalar(at: end + 1) { return true }
        if start >= 2, scalars[start - 1] == 0x2E, text.isWordScalar(at: start - 2) { return true }
        return start >= 1 && scalars[start - 1] == 0x40  // e-mail address
    }

    private func isAllLowercase(_ text: FoldedText, from start: Int, to end: Int) -> Bool {
        let lower = Int(text.origin[start])
        let upper = end < text.origin.count ? Int(text.origin[end]) : text.original.count
        var sawLowercase = false
        for offset in lower..<upper {
            let properties = text.original[offset].properties
            if properties.isUppercase { return false }
            if properties.isLowercase { sawLowercase = true }
        }
        return sawLowercase
    }
}
