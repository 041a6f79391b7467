import Foundation

/// Delivers mail as `.eml` files in a folder, for development and tests: one file per message,
/// named `20261130T182715.123Z-1a2b3c4d.eml` so that sorting by name is sorting by send time.
public struct DirectoryTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func send(_ message: MailMessage) async throws {
        let name = await FileNameClock.shared.nextName()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Written under a hidden name first, then renamed, so a reader never sees half a message.
        let temporary = directory.appendingPathComponent(".\(name).tmp")
        let final = directory.appendingPathComponent(name)
        try Data(message.rendered().utf8).write(to: temporary)
        do {
            try FileManager.default.moveItem(at: temporary, to: final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// The messages in `directory`, oldest first; none when the folder does not exist yet.
    public static func list(directory: URL) throws -> [StoredMail] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return try names.filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.sorted().map { name in
            let url = directory.appendingPathComponent(name)
            let raw = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            guard let message = MailMessage.parse(raw) else { throw UnreadableMail(url: url) }
            return StoredMail(url: url, message: message)
        }
    }

    /// A `.eml` file in the folder that has no header section.
    public struct UnreadableMail: Error, CustomStringConvertible {
        public let url: URL
        public var description: String { "\(url.path) is not a mail message" }
    }
}

/// A message that `DirectoryTransport` wrote: its file and what it says.
public struct StoredMail: Sendable {
    public let url: URL
    public let message: ParsedMail
}

/// Hands out file names whose timestamps strictly increase within the process, even for messages
/// sent in the same millisecond; the random suffix keeps two processes from colliding.
private actor FileNameClock {
    static let shared = FileNameClock()
    private var lastMilliseconds: Int64 = 0

    func nextName() -> String {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        lastMilliseconds = max(now, lastMilliseconds + 1)
        let seconds = Date(timeIntervalSince1970: Double(lastMilliseconds / 1000))
        let milliseconds = String(lastMilliseconds % 1000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        return formatter.string(from: seconds) + "." + String(repeating: "0", count: 3 - milliseconds.count) + milliseconds
            + "Z-" + String(repeating: "0", count: 8 - suffix.count) + suffix + ".eml"
    }
}
