import PlatformMail
import Testing

@Test func messageKeepsItsFields() {
    let message = MailMessage(from: "a@example.com", to: ["b@example.com"], subject: "Hi", text: "Body", date: .now, messageID: "<1@example.com>")
    #expect(message.to == ["b@example.com"])
}
