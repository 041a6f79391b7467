import Foundation
import Logging
import PlatformAuth
import PlatformCore
import PostgresNIO

/// `control.mail_outbox`: messages are queued in the same transaction as whatever they announce,
/// and sent by `MailSender`. Bodies are sealed at rest and erased once sent or given up on.
struct Outbox: Sendable {
    let client: PostgresClient
    let box: SecretBox
    let from: String
    let retryDelay: Duration

    static let maximumAttempts = 8

    /// Queues a message; `on` is the connection of the caller's transaction, when there is one.
    func enqueue(_ mail: Mail, on db: any Queryable, logger: Logger) async throws {
        let messageID = "<\(UUID().uuidString.lowercased())@\(Self.domain(of: from))>"
        try await db.execute("""
            INSERT INTO control.mail_outbox (kind, recipient, subject, sealed_body, message_id)
            VALUES (\(mail.kind), \(mail.to), \(mail.subject), \(try box.seal(mail.text)), \(messageID))
            RETURNING id
            """, logger: logger)
    }

    struct Due: Row {
        let id: UUID
        let recipient: String
        let subject: String
        let sealedBody: Data
        let attempts: Int
        let messageID: String
        let createdAt: Date

        init(row: RowReader) throws {
            id = try row("id")
            recipient = try row("recipient")
            subject = try row("subject")
            sealedBody = try row("sealed_body")
            attempts = try row("attempts")
            messageID = try row("message_id")
            createdAt = try row("created_at")
        }
    }

    /// Takes up to `limit` due messages, leasing each for `lease` so another sender leaves them alone.
    func claim(limit: Int, lease: Duration, logger: Logger) async throws -> [Due] {
        try await client.all(Due.self, """
            UPDATE control.mail_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => \(lease.inSeconds))
            FROM (
                SELECT id FROM control.mail_outbox WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) due
            WHERE o.id = due.id
            RETURNING o.id, o.recipient, o.subject, o.sealed_body, o.attempts, o.message_id, o.created_at
            """, logger: logger)
    }

    func markSent(_ id: UUID, logger: Logger) async throws {
        try await client.execute("""
            UPDATE control.mail_outbox SET status = 'sent', sent_at = now(), sealed_body = NULL, last_error = NULL
            WHERE id = \(id) RETURNING id
            """, logger: logger)
    }

    /// A transient failure is retried with exponential backoff until `maximumAttempts`; a
    /// permanent one (or the last attempt) gives up.
    func markFailed(_ due: Due, error: String, permanent: Bool, logger: Logger) async throws {
        let giveUp = permanent || due.attempts >= Self.maximumAttempts
        let delay = min(3600, retryDelay.inSeconds * Double(1 << min(due.attempts - 1, 12)))
        try await client.execute("""
            UPDATE control.mail_outbox
            SET status = CASE WHEN \(giveUp) THEN 'failed' ELSE 'pending' END,
                sealed_body = CASE WHEN \(giveUp) THEN NULL ELSE sealed_body END,
                next_attempt_at = now() + make_interval(secs => \(delay)),
                last_error = \(String(error.prefix(500)))
            WHERE id = \(due.id) RETURNING id
            """, logger: logger)
    }

    /// The newest messages first, for `platform mail list`.
    func recent(limit: Int, logger: Logger) async throws -> [MailLogEntry] {
        try await client.all(MailLogEntry.self, """
            SELECT created_at, sent_at, status, kind, recipient, subject, attempts, last_error
            FROM control.mail_outbox ORDER BY created_at DESC LIMIT \(limit)
            """, logger: logger)
    }

    static func domain(of address: String) -> String {
        split(address).address.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    /// `Name <address>` (as `MAIL_FROM` may be written) into its parts.
    static func split(_ from: String) -> (name: String?, address: String) {
        guard let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close else {
            return (nil, from.trimmingCharacters(in: .whitespaces))
        }
        let name = from[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
        return (name.isEmpty ? nil : name, String(from[from.index(after: open)..<close]))
    }
}

/// One row of `platform mail list`.
public struct MailLogEntry: Row, Sendable {
    public let createdAt: Date
    public let sentAt: Date?
    public let status: String
    public let kind: String
    public let recipient: String
    public let subject: String
    public let attempts: Int
    public let lastError: String?

    public init(row: RowReader) throws {
        createdAt = try row("created_at")
        sentAt = try row("sent_at")
        status = try row("status")
        kind = try row("kind")
        recipient = try row("recipient")
        subject = try row("subject")
        attempts = try row("attempts")
        lastError = try row("last_error")
    }
}

/// A message to queue: which kind (for `mail list` and metrics), to whom, and its text.
struct Mail: Sendable {
    let kind: String
    let to: String
    let subject: String
    let text: String
}
