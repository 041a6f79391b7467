import Foundation
import Logging
import PlatformCore
import PlatformMail
import ServiceLifecycle

/// Sends what the outbox holds: woken by the outbox's notification, or every `pollInterval` for
/// retries that fall due. Transient failures are retried with backoff; permanent ones give up.
struct MailSender: Service {
    let outbox: Outbox
    let transport: any MailTransport
    let hub: NotificationHub
    let pollInterval: Duration
    let logger: Logger

    static let dueKey = "mail"

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let seen = await hub.generation(of: Self.dueKey)
                do {
                    if try await sendDue() > 0 { continue }
                } catch {
                    logger.error("could not read the mail outbox", metadata: ["error": "\(String(reflecting: error))"])
                }
                _ = await hub.wait(for: Self.dueKey, after: seen, timeout: pollInterval)
            }
        }
    }

    /// Sends one batch; returns how many messages it took.
    @discardableResult
    func sendDue() async throws -> Int {
        let due = try await outbox.claim(limit: 20, lease: .seconds(120), logger: logger)
        for message in due {
            var logger = logger
            logger[metadataKey: "mail_id"] = "\(message.id)"
            do {
                let text = try outbox.box.open(message.sealedBody)
                let sender = Outbox.split(outbox.from)
                try await transport.send(MailMessage(
                    from: sender.address, to: [message.recipient], subject: message.subject, text: text, date: message.createdAt,
                    messageID: message.messageID, fromName: sender.name))
                try await outbox.markSent(message.id, logger: logger)
                logger.info("mail sent", metadata: ["attempt": "\(message.attempts)"])
            } catch {
                let permanent = (error as? SMTPError)?.isPermanent ?? false
                logger.warning("mail not sent", metadata: ["attempt": "\(message.attempts)", "permanent": "\(permanent)", "error": "\(error)"])
                try await outbox.markFailed(message, error: "\(error)", permanent: permanent, logger: logger)
            }
        }
        return due.count
    }
}
