/// Finds `http(s)://` and `www.` URLs in folded text, including markdown `[text](url)` and
/// `<url>` forms, and trims the punctuation that prose and markdown leave around them.
struct URLExtractor {
    struct Span {
        let start: Int
        let end: Int
    }

    private static let http: [UInt32] = Array("http://".unicodeScalars.map(\.value))
    private static let https: [UInt32] = Array("https://".unicodeScalars.map(\.value))
    private static let www: [UInt32] = Array("www.".unicodeScalars.map(\.value))

    static func spans(in text: FoldedText) -> [Span] {
        let scalars = text.scalars
        var spans: [Span] = []
        var index = 0
        while index < scalars.count {
            let value = scalars[index]
            guard value == 0x68 || value == 0x77,  // 'h' or 'w'
                startsURL(scalars, at: index)
            else {
                index += 1
                continue
            }
            let end = urlEnd(scalars, from: index)
            if end > index + 4 { spans.append(Span(start: index, end: end)) }
            index = max(end, index + 1)
        }
        return spans
    }

    /// Normalised URLs in order of first appearance, without duplicates.
    static func normalizedURLs(in text: FoldedText, spans: [Span]) -> [String] {
        var seen = Set<String>()
        var urls: [String] = []
        for span in spans {
            let raw = text.originalText(from: span.start, to: span.end)
            guard let url = URLNormalizer.normalize(raw), seen.insert(url).inserted else { continue }
            urls.append(url)
        }
        return urls
    }

    private static func startsURL(_ scalars: [UInt32], at index: Int) -> Bool {
        if index > 0, TextFolding.isWordScalar(scalars[index - 1]) || scalars[index - 1] == 0x2E {
            return false
        }
        return matches(https, scalars, at: index) || matches(http, scalars, at: index)
            || matches(www, scalars, at: index)
    }

    private static func matches(_ prefix: [UInt32], _ scalars: [UInt32], at index: Int) -> Bool {
        guard index + prefix.count <= scalars.count else { return false }
        for offset in 0..<prefix.count where scalars[index + offset] != prefix[offset] {
            return false
        }
        return true
    }

    private static func urlEnd(_ scalars: [UInt32], from start: Int) -> Int {
        var end = start
        var openParentheses = 0
        scan: while end < scalars.count {
            switch scalars[end] {
            case 0x20, 0x0A, 0x3C, 0x3E, 0x22, 0x60, 0x5B, 0x5D, 0x7B, 0x7D, 0x7C:  // whitespace < > " ` [ ] { } |
                break scan
            case 0x28:
                openParentheses += 1
            case 0x29:
                if openParentheses == 0 { break scan }
                openParentheses -= 1
            default:
                if scalars[end] >= 0x80 && TextFolding.isUnspacedScript(scalars[end]) { break scan }
            }
            end += 1
        }
        while end > start, isTrailingPunctuation(scalars[end - 1]) { end -= 1 }
        return end
    }

    private static func isTrailingPunctuation(_ value: UInt32) -> Bool {
        switch value {
        case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x27, 0x2A, 0x5F, 0x7E: return true  // . , ; : ! ? ' * _ ~
        case 0x3002, 0xFF0C, 0x3001: return true  // 。，、
        default: return false
        }
    }
}
