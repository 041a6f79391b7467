/// One server reply: a code and its text lines (`250-first`, `250 last` gives two lines).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " / ") }

    /// What an EHLO reply advertises: keyword (upper-cased) to parameters, for every line but the first.
    var capabilities: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            // Old servers write `AUTH=LOGIN PLAIN`.
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            result[keyword, default: []] += words.dropFirst()
        }
        return result
    }
}

/// Collects reply lines (`250-…` continues, `250 …` ends) into replies.
struct SMTPReplyParser {
    private var lines: [String] = []

    /// A finished reply, nil while more lines are expected; throws on a line that is no reply.
    mutating func add(line: String) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-"),
            let code = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200...599).contains(code)
        else {
            throw SMTPError(kind: .connection, text: "not an SMTP reply: \(line.prefix(80))")
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard bytes.count == 3 || bytes[3] == UInt8(ascii: " ") else { return nil }
        defer { lines = [] }
        return SMTPReply(code: code, lines: lines)
    }

    var isEmpty: Bool { lines.isEmpty }
}
