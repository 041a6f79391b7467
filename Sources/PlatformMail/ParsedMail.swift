import Foundation

/// A message read back from RFC 5322 text: its header fields (unfolded, in order) and its body
/// decoded to text. Made for our own rendered mail and simple single-part messages; multipart
/// bodies come back undecoded.
public struct ParsedMail: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var fields: [Field]
    /// The body with quoted-printable or base64 undone, line breaks as `\n`, and the final line
    /// break (the one every rendered message ends with) removed.
    public var text: String

    /// The first field with that name (any case), unfolded but not decoded.
    public func header(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The first field with that name with RFC 2047 encoded words decoded.
    public func decodedHeader(_ name: String) -> String? {
        header(name).map(EncodedWord.decode)
    }

    public var subject: String? { decodedHeader("Subject") }
    public var from: String? { decodedHeader("From") }
    public var to: [String] {
        (header("To") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    public var date: Date? { header("Date").flatMap(MailDate.date(from:)) }
    public var messageID: String? { header("Message-ID") }

    init?(_ raw: String) {
        var fields: [Field] = []
        var lines = physicalLines(raw)[...]
        while let line = lines.first {
            lines = lines.dropFirst()
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                // Unfolding: the line break goes, the whitespace after it stays.
                guard !fields.isEmpty else { return nil }
                fields[fields.count - 1].value += line
                continue
            }
            guard let colon = line.firstIndex(of: ":"), colon > line.startIndex,
                !line[..<colon].contains(where: { $0 == " " || $0 == "\t" })
            else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            fields.append(Field(name: String(line[..<colon]), value: String(value)))
        }
        guard !fields.isEmpty else { return nil }
        self.fields = fields.map { Field(name: $0.name, value: $0.value.trimmingCharacters(in: .whitespaces)) }

        var bodyLines = Array(lines)
        if bodyLines.count > 1 && bodyLines.last == "" { bodyLines.removeLast() }
        let body = bodyLines.joined(separator: "\n")
        let encoding = (fields.first { $0.name.lowercased() == "content-transfer-encoding" }?.value ?? "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        switch encoding {
        case "quoted-printable":
            text = QuotedPrintable.decode(body)
        case "base64":
            let data = Data(base64Encoded: body.filter { !$0.isWhitespace }) ?? Data()
            text = physicalLines(String(decoding: data, as: UTF8.self)).joined(separator: "\n")
        default:
            text = body
        }
    }
}

/// Lines split at LF with any CR before it dropped. (Splitting a String at "\n" would miss CRLF,
/// which Swift treats as a single Character.)
func physicalLines(_ text: String) -> [String] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars in
        var line = String(scalars)
        if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
        return line
    }
}
