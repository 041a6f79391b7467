import Foundation

/// Building header fields: sanitising values, choosing between plain text and RFC 2047 encoded
/// words, and folding long fields at whitespace.
enum MailHeader {
    /// Lines longer than this are folded where possible (RFC 5322 recommends 78).
    static let preferredLineLength = 78

    /// The value without CR, LF or other control characters, so it cannot end the header field
    /// and start another one. Each run of line breaks becomes one space.
    static func sanitized(_ value: String) -> String {
        var result = ""
        var lastWasBreak = false
        for scalar in value.unicodeScalars {
            if scalar == "\r" || scalar == "\n" {
                if !lastWasBreak { result.append(" ") }
                lastWasBreak = true
                continue
            }
            lastWasBreak = false
            if scalar == "\t" {
                result.append(" ")
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                continue
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `Name: token token…`, with a CRLF inserted before a token (each but the first starts with a
    /// space) whenever the line would otherwise grow past the preferred length.
    static func folded(_ name: String, _ tokens: [String]) -> String {
        var result = "\(name):"
        var lineLength = result.count
        for (index, token) in tokens.enumerated() {
            let piece = index == 0 ? " " + token : token
            let canFold = index > 0 && piece.first == " " && piece.contains(where: { $0 != " " })
            if canFold && lineLength + piece.count > preferredLineLength && lineLength > name.count + 1 {
                result += "\r\n"
                lineLength = 0
            }
            result += piece
            lineLength += piece.count
        }
        return result
    }

    /// An unstructured value (Subject): its words when it is plain printable ASCII that folds into
    /// short lines; otherwise UTF-8 encoded words.
    static func unstructuredTokens(_ value: String) -> [String] {
        let clean = sanitized(value)
        let words = clean.split(separator: " ", omittingEmptySubsequences: false)
        if isPlainASCII(clean) && !words.contains(where: { $0.count > 900 }) {
            return words.enumerated().map { index, word in (index == 0 ? "" : " ") + word }
        }
        return encodedWords(clean)
    }

    /// A display name: a quoted string when it is plain ASCII, otherwise encoded words.
    static func phraseTokens(_ value: String) -> [String] {
        let clean = sanitized(value)
        guard isPlainASCII(clean), clean.count <= 900 else { return encodedWords(clean) }
        let escaped = clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return ["\"\(escaped)\""]
    }

    /// Printable ASCII that a reader would not mistake for an encoded word.
    private static func isPlainASCII(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !value.contains("=?")
    }

    /// RFC 2047 `=?utf-8?B?…?=` words, each at most 60 characters and never splitting a character's
    /// UTF-8 bytes; every word after the first carries the space a fold may go before.
    static func encodedWords(_ value: String) -> [String] {
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if current.count + bytes.count > 36 {
                chunks.append(current)
                current = []
            }
            current += bytes
        }
        if !current.isEmpty || chunks.isEmpty { chunks.append(current) }
        return chunks.enumerated().map { index, chunk in
            (index == 0 ? "" : " ") + "=?utf-8?B?" + Data(chunk).base64EncodedString() + "?="
        }
    }
}
