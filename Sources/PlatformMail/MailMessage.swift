import Foundation

/// One outgoing message: a plain-text body, rendered as RFC 5322.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    /// The sender's display name (`"Platform" <noreply@example.com>`), if any.
    public var fromName: String?
    public var to: [String]
    public var subject: String
    public var text: String
    public var date: Date
    public var messageID: String

    public init(
        from: String, to: [String], subject: String, text: String, date: Date, messageID: String,
        fromName: String? = nil
    ) {
        (self.from, self.to, self.subject, self.text, self.date, self.messageID) = (from, to, subject, text, date, messageID)
        self.fromName = fromName
    }

    /// The message as RFC 5322 text with CRLF line endings: a `text/plain; charset=utf-8` body in
    /// quoted-printable (so every line stays within 76 characters), a non-ASCII subject or sender name
    /// as RFC 2047 encoded words, and CR/LF removed from every header value. Always ends with CRLF.
    public func rendered() -> String {
        var fromTokens: [String] = []
        if let fromName, !MailHeader.sanitized(fromName).isEmpty {
            fromTokens = MailHeader.phraseTokens(fromName)
            fromTokens.append(" <\(MailHeader.sanitized(from))>")
        } else {
            fromTokens = [MailHeader.sanitized(from)]
        }
        let recipients = to.map(MailHeader.sanitized)
        let toTokens = recipients.enumerated().map { index, address in
            (index == 0 ? "" : " ") + address + (index == recipients.count - 1 ? "" : ",")
        }
        var id = MailHeader.sanitized(messageID).replacingOccurrences(of: " ", with: "")
        if !id.hasPrefix("<") { id = "<\(id)>" }

        let lines = [
            MailHeader.folded("From", fromTokens),
            MailHeader.folded("To", toTokens),
            MailHeader.folded("Subject", MailHeader.unstructuredTokens(subject)),
            MailHeader.folded("Date", [MailDate.string(from: date)]),
            MailHeader.folded("Message-ID", [id]),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(text) + "\r\n"
    }

    /// Reads a message back (ours or any simple RFC 5322 one); nil when `raw` has no header section.
    public static func parse(_ raw: String) -> ParsedMail? {
        ParsedMail(raw)
    }
}
