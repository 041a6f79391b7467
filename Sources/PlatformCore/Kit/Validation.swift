import Foundation

/// Collects every problem with a request before answering, so one 422 names every bad field:
///
///     var check = Validation()
///     let name = check.text(name, "name", length: 1...200)
///     check.require(!scopes.isEmpty, "scopes", "must name at least one scope")
///     try check.finish("The API key request is invalid.")
public struct Validation: Sendable {
    public private(set) var problems: [String: String] = [:]

    public init() {}

    public mutating func require(_ condition: Bool, _ field: String, _ problem: String) {
        if !condition && problems[field] == nil { problems[field] = problem }
    }

    /// The text trimmed of surrounding white space, checked for length (in characters).
    public mutating func text(_ value: String, _ field: String, length: ClosedRange<Int>) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        require(length.contains(trimmed.count), field,
                length.lowerBound == 0 ? "must be at most \(length.upperBound) characters" : "must be \(length.lowerBound) to \(length.upperBound) characters")
        return trimmed
    }

    /// Throws the 422 if anything was found.
    public func finish(_ message: String) throws {
        guard problems.isEmpty else { throw AppError.validation(message, fields: problems) }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs, for header values on every request (Foundation's
    /// `trimmingCharacters(in:)` bridges through `NSString`).
    public var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let start = firstIndex { !isSpace($0) } ?? endIndex
        let end = lastIndex { !isSpace($0) }.map(index(after:)) ?? start
        return Substring(self[start..<end])
    }
}
