import Foundation

/// RFC 5322 dates (`Mon, 30 Nov 2026 18:27:15 +0000`), always written in UTC.
enum MailDate {
    static func string(from date: Date) -> String {
        formatter("EEE, dd MMM yyyy HH:mm:ss Z").string(from: date)
    }

    /// Accepts the common forms: with or without the day name, with a trailing comment such as `(UTC)`.
    static func date(from string: String) -> Date? {
        var value = string.trimmingCharacters(in: .whitespaces)
        if let comment = value.firstIndex(of: "(") {
            value = value[..<comment].trimmingCharacters(in: .whitespaces)
        }
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z"] {
            if let date = formatter(format).date(from: value) { return date }
        }
        return nil
    }

    // A fresh formatter per call: DateFormatter is not Sendable, and mail is not sent in bulk.
    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = format
        return formatter
    }
}
