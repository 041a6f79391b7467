/// Where outgoing mail goes: an SMTP server, or `.eml` files in a folder.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}
