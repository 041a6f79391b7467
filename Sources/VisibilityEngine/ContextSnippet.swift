/// About ±radius characters of the original text around a mention, cut on word boundaries
/// and with line breaks flattened to spaces.
enum ContextSnippet {
    static func around(_ mention: MentionMatcher.Mention, in text: FoldedText, radius: Int) -> String {
        let original = text.original
        let mentionStart = Int(text.origin[mention.start])
        let mentionEnd = mention.end < text.origin.count ? Int(text.origin[mention.end]) : original.count
        var start = max(0, mentionStart - radius)
        while start > 0, start < mentionStart, !isSpace(original[start - 1]) { start += 1 }
        var end = min(original.count, mentionEnd + radius)
        while end < original.count, end > mentionEnd, !isSpace(original[end]) { end -= 1 }
        var snippet: [Unicode.Scalar] = []
        snippet.reserveCapacity(end - start)
        var previousWasSpace = true
        for scalar in original[start..<end] {
            if isSpace(scalar) {
                if !previousWasSpace { snippet.append(" ") }
                previousWasSpace = true
            } else {
                snippet.append(scalar)
                previousWasSpace = false
            }
        }
        while snippet.last == " " { snippet.removeLast() }
        return TextFolding.string(snippet)
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        TextFolding.isWhitespace(scalar.value)
    }
}
