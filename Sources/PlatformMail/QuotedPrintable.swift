/// RFC 2045 quoted-printable for UTF-8 text bodies.
enum QuotedPrintable {
    /// Line breaks in `text` (LF, CRLF or CR) become CRLF; longer lines get soft breaks (`=` at the
    /// end) so no encoded line exceeds 76 characters. An escape (`=C3`) is never split.
    static func encode(_ text: String) -> String {
        lines(of: text).map(encodeLine).joined(separator: "\r\n")
    }

    static func decode(_ body: String) -> String {
        var output: [UInt8] = []
        let lines = physicalLines(body)
        for (index, text) in lines.enumerated() {
            var line = Array(text.utf8)
            // Trailing whitespace may have been added in transit; encoders escape meaningful whitespace.
            while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { line.removeLast() }
            var softBreak = false
            if line.last == UInt8(ascii: "=") {
                line.removeLast()
                softBreak = true
            }
            var i = 0
            while i < line.count {
                if line[i] == UInt8(ascii: "="), i + 2 < line.count, let high = hexValue(line[i + 1]), let low = hexValue(line[i + 2]) {
                    output.append(high << 4 | low)
                    i += 3
                } else {
                    output.append(line[i])
                    i += 1
                }
            }
            if !softBreak && index < lines.count - 1 { output.append(UInt8(ascii: "\n")) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func lines(of text: String) -> [[UInt8]] {
        var result: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\r"):
                result.append([])
                previousWasCR = true
                continue
            case UInt8(ascii: "\n"):
                if !previousWasCR { result.append([]) }
            default:
                result[result.count - 1].append(byte)
            }
            previousWasCR = false
        }
        return result
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var output = ""
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let piece: String
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // Whitespace at the end of a line would be stripped in transit, so it is escaped there.
                piece = isLast ? escaped(byte) : String(UnicodeScalar(byte))
            case 33...126 where byte != UInt8(ascii: "="):
                piece = String(UnicodeScalar(byte))
            default:
                piece = escaped(byte)
            }
            // Leave room for the `=` of a soft break unless this is the line's last piece.
            if lineLength + piece.count > (isLast ? 76 : 75) {
                output += "=\r\n"
                lineLength = 0
            }
            output += piece
            lineLength += piece.count
        }
        return output
    }

    private static let hexDigits = Array("0123456789ABCDEF")

    private static func escaped(_ byte: UInt8) -> String {
        "=" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 0x0F)])
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
