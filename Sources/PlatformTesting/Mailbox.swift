import Foundation
import PlatformMail

/// The `.eml` files the platform wrote to `MAIL_DIR`, read the way a person reads mail: tests find
/// tokens in the links, never in the database.
public struct Mailbox: Sendable {
    public let directory: URL

    public struct Timeout: Error, CustomStringConvertible {
        public let description: String
    }

    public func messages() throws -> [ParsedMail] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try DirectoryTransport.list(directory: directory).map(\.message)
    }

    /// The messages to `recipient`, waiting until there are at least `count`.
    public func waitForMessages(to recipient: String, count: Int = 1, timeout: Duration = .seconds(15)) async throws -> [ParsedMail] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = try messages().filter { $0.to.contains { $0.lowercased().contains(recipient.lowercased()) } }
            if found.count >= count { return found }
            guard ContinuousClock.now < deadline else {
                throw Timeout(description: "\(found.count) of \(count) messages to \(recipient) arrived within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The newest message to `recipient`, once there are `count`.
    public func latest(to recipient: String, count: Int = 1) async throws -> ParsedMail {
        try await waitForMessages(to: recipient, count: count).last!
    }
}

extension ParsedMail {
    /// The first link in the body.
    public var link: URL? {
        text.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("http://") || $0.hasPrefix("https://") }.flatMap { URL(string: String($0)) }
    }

    /// A query parameter of the first link (`token`, `workspace_id`).
    public func linkParameter(_ name: String) -> String? {
        link.flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value }
    }
}
