import Foundation

/// Decoding RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`) in header values.
enum EncodedWord {
    static func decode(_ value: String) -> String {
        let pattern = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/
        var result = ""
        var position = value.startIndex
        var previousWasEncoded = false
        for match in value.matches(of: pattern) {
            let gap = value[position..<match.range.lowerBound]
            // Whitespace between two encoded words is only there for folding (RFC 2047 §6.2).
            if !(previousWasEncoded && gap.allSatisfy(\.isWhitespace)) { result += gap }
            if let decoded = decodeWord(charset: String(match.1), encoding: String(match.2), text: String(match.3)) {
                result += decoded
                previousWasEncoded = true
            } else {
                result += value[match.range]
                previousWasEncoded = false
            }
            position = match.range.upperBound
        }
        result += value[position...]
        return result
    }

    private static func decodeWord(charset: String, encoding: String, text: String) -> String? {
        let bytes: [UInt8]?
        if encoding.uppercased() == "B" {
            bytes = Data(base64Encoded: text).map(Array.init)
        } else {
            bytes = qDecode(text)
        }
        guard let bytes else { return nil }
        // A language suffix (RFC 2231: `utf-8*en`) does not change the decoding.
        let name = charset.split(separator: "*").first.map { $0.lowercased() } ?? ""
        switch name {
        case "utf-8", "utf8", "us-ascii": return String(bytes: bytes, encoding: .utf8)
        case "iso-8859-1", "latin1": return String(bytes: bytes, encoding: .isoLatin1)
        case "windows-1252", "cp1252": return String(bytes: bytes, encoding: .windowsCP1252)
        default: return nil
        }
    }

    private static func qDecode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            switch input[i] {
            case UInt8(ascii: "_"):
                output.append(UInt8(ascii: " "))
                i += 1
            case UInt8(ascii: "="):
                guard i + 2 < input.count, let byte = UInt8(String(decoding: input[i + 1...i + 2], as: UTF8.self), radix: 16) else {
                    return nil
                }
                output.append(byte)
                i += 3
            default:
                output.append(input[i])
                i += 1
            }
        }
        return output
    }
}
