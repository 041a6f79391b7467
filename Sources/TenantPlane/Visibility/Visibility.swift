import Foundation
import PlatformCore

/// What the AI-visibility routes need (docs/visibility.md, "Who may do what"): the workspace's role
/// matrix for a person, the `visibility:*` scopes for an API key.
enum VisibilityAccess {
    /// Every read: projects, competitors, queries, providers (and runs and results).
    static let view = Permission.named("can_view_visibility", scope: "visibility:read")
    /// Creating, changing and archiving projects, their competitors and queries.
    static let manage = Permission.named("can_manage_visibility", scope: "visibility:write")
    /// Starting and cancelling runs: they spend credits.
    static let run = Permission.named("can_run_visibility", scope: "visibility:run")
}

/// A project's setup (B15): set by the client; `GET /projects?status=COMPLETE` lists the ready ones.
enum SetupStatus: String, SchemaEnum { case draft = "DRAFT", complete = "COMPLETE" }

/// What kind of question a query is (001's `queryType`, with our additions).
enum QueryType: String, SchemaEnum { case category = "CATEGORY", brand = "BRAND", comparison = "COMPARISON", problem = "PROBLEM", other = "OTHER" }

/// Where a query came from.
enum QuerySource: String, SchemaEnum { case manual = "MANUAL", discovered = "DISCOVERED", imported = "IMPORTED" }

enum VisibilityExamples {
    static let projectID = UUID(uuidString: "7a1c9e52-3b4d-4f60-8a7b-1c2d3e4f5a6b")!
    static let competitorID = UUID(uuidString: "8b2daf63-4c5e-4071-9b8c-2d3e4f5a6b7c")!
    static let queryID = UUID(uuidString: "9c3eb074-5d6f-4182-ac9d-3e4f5a6b7c8d")!
    static let memberID = Record.example.createdBy!
    static let date = Date(timeIntervalSince1970: 1_767_225_600)
}

/// Normalising and checking the names, domains and words the visibility bodies carry.
enum VisibilityInput {
    /// Trimmed, non-empty, at most 200 characters each, at most 50, repeats (ignoring case) dropped.
    static func names(_ values: [String], _ field: String, _ check: inout Validation) -> [String] {
        var seen = Set<String>()
        let cleaned = values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        check.require(cleaned.allSatisfy { (1...200).contains($0.count) }, field, "each must be 1 to 200 characters")
        check.require(cleaned.count <= 50, field, "at most 50")
        return cleaned.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// Host names, lower-case, without a scheme, path or leading `www.`; at most 50, no repeats.
    static func domains(_ values: [String], _ field: String, _ check: inout Validation) -> [String] {
        var seen = Set<String>()
        let cleaned = values.map { domain(of: $0) ?? $0 }
        check.require(cleaned.allSatisfy(isDomain), field, "each must be a domain name such as example.com")
        check.require(cleaned.count <= 50, field, "at most 50")
        return cleaned.filter { seen.insert($0).inserted }
    }

    /// `https://www.Example.com/about` → `example.com`; a bare `Example.com` → `example.com`.
    static func domain(of text: String) -> String? {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if !text.contains("://") { text = "http://" + text }
        guard var host = URLComponents(string: text)?.host, !host.isEmpty else { return nil }
        if host.hasSuffix(".") { host.removeLast() }
        if host.hasPrefix("www.") { host.removeFirst(4) }
        return host
    }

    static func isDomain(_ text: String) -> Bool {
        text.count <= 253 && text.range(of: #"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"#, options: .regularExpression) != nil
    }

    /// An absolute http(s) URL with a host.
    static func websiteURL(_ value: String, _ field: String, _ check: inout Validation) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let components = URLComponents(string: trimmed)
        check.require(
            trimmed.count <= 2048 && ["http", "https"].contains(components?.scheme?.lowercased() ?? "") && !(components?.host ?? "").isEmpty,
            field, "must be an http(s) URL")
        return trimmed
    }

    /// A BCP 47 tag such as `en`, `en-US` or `pt-BR`.
    static func locale(_ value: String, _ field: String, _ check: inout Validation) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "-")
        check.require(trimmed.count <= 35 && trimmed.range(of: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", options: .regularExpression) != nil,
                      field, "must be a language tag such as en-US")
        return trimmed
    }

    /// Provider names (`openai`, `gemini`, `perplexity`), lower-case, no repeats.
    static func providers(_ values: [String], _ field: String, _ check: inout Validation) -> [String] {
        let cleaned = values.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = Set(VisibilitySettings.ProviderName.allCases.map(\.rawValue))
        check.require(cleaned.allSatisfy(known.contains), field, "each must be one of \(known.sorted().joined(separator: ", "))")
        var seen = Set<String>()
        return cleaned.filter { seen.insert($0).inserted }
    }

    /// An upper-case word (`SAFETY`, `PRODUCT`): letters, digits and `_`, starting with a letter, at most 50.
    static func word(_ value: String?, _ field: String, _ check: inout Validation) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard !trimmed.isEmpty else { return nil }
        check.require(trimmed.range(of: "^[A-Z][A-Z0-9_]{0,49}$", options: .regularExpression) != nil, field,
                      "must be a word (letters, digits and _, at most 50)")
        return trimmed
    }
}
