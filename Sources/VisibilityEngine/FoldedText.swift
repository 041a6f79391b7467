import Foundation

/// The answer text reduced to lower-case, diacritic-free scalars, with a map back to the
/// original scalar offsets so snippets can be cut from the untouched text.
struct FoldedText {
    let original: [Unicode.Scalar]
    /// Folded scalar values. A run of whitespace becomes one space, or one newline if it holds a
    /// line break (followed by one space when the next line is indented).
    let scalars: [UInt32]
    /// `origin[i]` is the offset in `original` of the scalar that produced `scalars[i]`.
    let origin: [Int32]

    init(_ text: String) {
        var original: [Unicode.Scalar] = []
        var scalars: [UInt32] = []
        var origin: [Int32] = []
        original.reserveCapacity(text.utf8.count)
        scalars.reserveCapacity(text.utf8.count)
        origin.reserveCapacity(text.utf8.count)
        var run = WhitespaceRun()
        for scalar in text.unicodeScalars {
            let offset = original.count
            original.append(scalar)
            let value = scalar.value
            if TextFolding.isWhitespace(value) {
                run.add(value, at: offset)
                continue
            }
            run.flush(into: &scalars, &origin)
            if value < 0x80 {
                scalars.append(value >= 0x41 && value <= 0x5A ? value + 0x20 : value)
                origin.append(Int32(offset))
            } else {
                for folded in TextFolding.foldedNonASCII(scalar) {
                    scalars.append(folded)
                    origin.append(Int32(offset))
                }
            }
        }
        run.flush(into: &scalars, &origin)
        self.original = original
        self.scalars = scalars
        self.origin = origin
    }

    private struct WhitespaceRun {
        var start = -1
        var hasNewline = false
        var indented = false

        mutating func add(_ value: UInt32, at offset: Int) {
            if start < 0 { start = offset }
            if value == 0x0A || value == 0x2028 || value == 0x2029 {
                hasNewline = true
                indented = false
            } else if value != 0x0D {
                indented = true
            }
        }

        mutating func flush(into scalars: inout [UInt32], _ origin: inout [Int32]) {
            guard start >= 0 else { return }
            scalars.append(hasNewline ? 0x0A : 0x20)
            origin.append(Int32(start))
            if hasNewline && indented {  // keep indentation: it marks list continuations
                scalars.append(0x20)
                origin.append(Int32(start))
            }
            self = WhitespaceRun()
        }
    }

    var count: Int { scalars.count }

    func isWordScalar(at index: Int) -> Bool {
        index >= 0 && index < scalars.count && TextFolding.isWordScalar(scalars[index])
    }

    /// The original text between two folded offsets (end exclusive).
    func originalText(from start: Int, to end: Int) -> String {
        let lower = Int(origin[start])
        let upper = end < origin.count ? Int(origin[end]) : original.count
        return TextFolding.string(original[lower..<upper])
    }
}

enum TextFolding {
    /// Folds a brand term; all whitespace becomes single spaces.
    static func fold(_ text: String) -> [UInt32] {
        var result: [UInt32] = []
        for value in FoldedText(text).scalars {
            let normalized = value == 0x0A ? 0x20 : value
            if normalized == 0x20 && (result.isEmpty || result.last == 0x20) { continue }
            result.append(normalized)
        }
        if result.last == 0x20 { result.removeLast() }
        return result
    }

    static func foldedNonASCII(_ scalar: Unicode.Scalar) -> [UInt32] {
        switch scalar.value {
        case 0x2018, 0x2019, 0x02BC: return [0x27]  // typographic apostrophes → '
        case 0x2010...0x2015: return [0x2D]  // dashes → -
        default: return lowercasedWithoutMarks(scalar)
        }
    }

    /// Lower-cases and strips combining marks (é → e, Ü → u).
    private static func lowercasedWithoutMarks(_ scalar: Unicode.Scalar) -> [UInt32] {
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        var result: [UInt32] = []
        for part in decomposed where !isCombiningMark(part) {
            for lower in part.properties.lowercaseMapping.unicodeScalars {
                result.append(lower.value)
            }
        }
        return result
    }

    private static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    @inline(__always)
    static func isWhitespace(_ value: UInt32) -> Bool {
        value == 0x20 || value == 0x0A || value == 0x09 || value == 0x0D || value == 0xA0
            || value == 0x2028 || value == 0x2029 || value == 0x3000
    }

    /// Letters and digits of space-separated scripts. Han, kana and Thai are written without
    /// spaces, so they never block a word boundary.
    @inline(__always)
    static func isWordScalar(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return (value >= 0x61 && value <= 0x7A) || (value >= 0x30 && value <= 0x39)
                || (value >= 0x41 && value <= 0x5A)
        }
        if isUnspacedScript(value) { return false }
        guard let scalar = Unicode.Scalar(value) else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    static func isUnspacedScript(_ value: UInt32) -> Bool {
        switch value {
        case 0x0E00...0x0E7F, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xF900...0xFAFF, 0xFF66...0xFF9F, 0x20000...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

extension TextFolding {
    /// Builds a String through UTF-8 bytes; appending to a `UnicodeScalarView` one scalar at a
    /// time is several times slower and this runs for every URL, token and snippet.
    static func string<Scalars: Collection>(_ scalars: Scalars) -> String where Scalars.Element == Unicode.Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.value < 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
