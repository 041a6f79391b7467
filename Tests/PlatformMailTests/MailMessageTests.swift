import Foundation
import PlatformMail
import Testing

/// 2026-11-30 18:27:15 UTC, a Monday.
let sampleDate = Date(timeIntervalSince1970: 1_796_063_235)

func sampleMessage(subject: String = "Hello", text: String = "Body\n", to: [String] = ["b@example.com"]) -> MailMessage {
    MailMessage(
        from: "noreply@example.com", to: to, subject: subject, text: text, date: sampleDate,
        messageID: "<1@example.com>", fromName: "Platform")
}

/// The message's lines, checking on the way that every line break is CRLF.
func crlfLines(_ raw: String) -> [String] {
    let bytes = Array(raw.utf8)
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
        #expect(index > 0 && bytes[index - 1] == UInt8(ascii: "\r"), "bare LF at byte \(index)")
    }
    #expect(!raw.unicodeScalars.enumerated().contains { index, scalar in
        scalar == "\r" && index + 1 < raw.unicodeScalars.count
            && raw.unicodeScalars[raw.unicodeScalars.index(raw.unicodeScalars.startIndex, offsetBy: index + 1)] != "\n"
    }, "bare CR")
    return raw.components(separatedBy: "\r\n")
}

@Test func rendersTheHeadersAClientExpects() throws {
    let raw = sampleMessage().rendered()
    let lines = crlfLines(raw)
    #expect(lines.contains("From: \"Platform\" <noreply@example.com>"))
    #expect(lines.contains("To: b@example.com"))
    #expect(lines.contains("Subject: Hello"))
    #expect(lines.contains("Date: Mon, 30 Nov 2026 18:27:15 +0000"))
    #expect(lines.contains("Message-ID: <1@example.com>"))
    #expect(lines.contains("MIME-Version: 1.0"))
    #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
    #expect(lines.contains("Content-Transfer-Encoding: quoted-printable"))
    #expect(raw.hasSuffix("\r\n\r\nBody\r\n\r\n"))
}

@Test func nonASCIIAndLongLinesRoundTrip() throws {
    let url = "https://example.com/verify?token=" + String(repeating: "abcdef0123456789", count: 12) + "&next=%2Fhome"
    let text = """
        Grüße aus Zürich — ✉️ 日本語のテキスト
        Verify your address: \(url)
        .this line starts with a dot
        ..and this with two
        tabs\tand = signs, trailing space\u{20}
        \(String(repeating: "é", count: 100))
        .
        """
    let subject = "Bestätigen Sie Ihre Adresse ✅ — a long subject that needs more than one encoded word"
    var message = sampleMessage(subject: subject, text: text)
    message.fromName = "Plattform Zürich"
    let raw = message.rendered()

    let lines = crlfLines(raw)
    let headerEnd = try #require(lines.firstIndex(of: ""))
    for line in lines[..<headerEnd] { #expect(line.count <= 78, "header line too long: \(line)") }
    for line in lines[(headerEnd + 1)...] { #expect(line.utf8.count <= 76, "body line too long: \(line)") }
    #expect(raw.utf8.allSatisfy { $0 < 0x80 }, "quoted-printable and encoded words leave only ASCII")
    #expect(lines.contains { $0.hasPrefix("Subject: =?utf-8?B?") })
    #expect(lines.contains(".this line starts with a dot"))

    let parsed = try #require(MailMessage.parse(raw))
    #expect(parsed.subject == subject)
    #expect(parsed.text == text)
    #expect(parsed.text.contains(url))
    #expect(parsed.from == "\"Plattform Zürich\" <noreply@example.com>" || parsed.from == "Plattform Zürich <noreply@example.com>")
    #expect(parsed.to == ["b@example.com"])
    #expect(parsed.date == sampleDate)
    #expect(parsed.messageID == "<1@example.com>")
}

@Test func longASCIISubjectsFoldAndUnfold() throws {
    let subject = Array(repeating: "word", count: 40).joined(separator: " ")
    let message = sampleMessage(subject: subject, to: (1...12).map { "recipient\($0)@example.com" })
    let raw = message.rendered()
    let lines = crlfLines(raw)
    let headerEnd = try #require(lines.firstIndex(of: ""))
    #expect(lines[..<headerEnd].allSatisfy { $0.count <= 78 })
    #expect(lines.contains { $0.hasPrefix(" word") }, "the subject was folded")

    let parsed = try #require(MailMessage.parse(raw))
    #expect(parsed.subject == subject)
    #expect(parsed.to == message.to)
}

@Test func headerValuesCannotInjectHeaders() throws {
    let message = MailMessage(
        from: "noreply@example.com\r\nBcc: spy@example.com", to: ["b@example.com\nX-Injected: 1"],
        subject: "Hi\r\nBcc: evil@example.com\r\n\r\nfake body", text: "real body", date: sampleDate,
        messageID: "<1@example.com>\rX-Other: 2", fromName: "Mallory\n")
    let raw = message.rendered()
    let parsed = try #require(MailMessage.parse(raw))
    #expect(parsed.header("Bcc") == nil)
    #expect(parsed.header("X-Injected") == nil)
    #expect(parsed.header("X-Other") == nil)
    #expect(parsed.fields.map(\.name) == [
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    ])
    #expect(parsed.subject == "Hi Bcc: evil@example.com fake body")
    #expect(parsed.text == "real body")
}

@Test func textRoundTripsExactly() throws {
    for text in ["", "one line", "ends with newline\n", "\n\nblank lines first", "=3D is not an escape", "CRLF\r\nbecomes LF"] {
        let parsed = try #require(MailMessage.parse(sampleMessage(text: text).rendered()))
        #expect(parsed.text == text.replacingOccurrences(of: "\r\n", with: "\n"), "text: \(text.debugDescription)")
    }
}

@Test func parsesForeignMessages() throws {
    let raw = """
        subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?= and
         =?utf-8?B?8J+Ntg==?=
        FROM: Someone <someone@example.net>
        Content-Transfer-Encoding: base64

        aGVsbG8Kd29ybGQ=
        """
    let parsed = try #require(MailMessage.parse(raw))
    #expect(parsed.header("Subject") == "=?ISO-8859-1?Q?Caf=E9_cr=E8me?= and =?utf-8?B?8J+Ntg==?=")
    #expect(parsed.subject == "Café crème and 🍶")
    #expect(parsed.from == "Someone <someone@example.net>")
    #expect(parsed.text == "hello\nworld")
    #expect(MailMessage.parse("no header here") == nil)
    #expect(MailMessage.parse("") == nil)
}
