import Foundation

/// One outgoing message: a plain-text body, rendered as RFC 5322.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: [String]
    public var subject: String
    public var text: String
    public var date: Date
    public var messageID: String

    public init(from: String, to: [String], subject: String, text: String, date: Date, messageID: String) {
        (self.from, self.to, self.subject, self.text, self.date, self.messageID) = (from, to, subject, text, date, messageID)
    }
}
