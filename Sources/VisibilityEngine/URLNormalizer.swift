import Foundation

/// Canonical form used to de-duplicate URLs and to compare hosts with brand domains.
enum URLNormalizer {
    private struct Parts {
        let scheme: String
        let host: String
        let path: String
        let query: String
    }

    /// `https` scheme added to bare `www.` URLs; scheme and host lower-cased; default ports,
    /// fragments, `utm_*` tracking parameters and trailing slashes removed.
    static func normalize(_ raw: String) -> String? {
        guard let parts = parts(of: raw) else { return nil }
        return parts.scheme + "://" + parts.host + parts.path + (parts.query.isEmpty ? "" : "?" + parts.query)
    }

    /// Host without port and without a leading `www.`, or nil when the URL has none.
    static func host(of url: String) -> String? {
        guard let parts = parts(of: url) else { return nil }
        var host = parts.host.prefix(while: { $0 != ":" })
        if host.hasPrefix("www.") { host = host.dropFirst(4) }
        return host.isEmpty ? nil : String(host)
    }

    /// Works on scalars rather than Characters: this runs for every URL of every answer.
    private static func parts(of raw: String) -> Parts? {
        let scalars = Array(raw.unicodeScalars)
        var start = 0
        var scheme = "https"
        if let separator = schemeSeparator(in: scalars) {
            scheme = string(scalars[0..<separator]).lowercased()
            start = separator + 3
        }
        guard scheme == "http" || scheme == "https" else { return nil }
        let end = scalars[start...].firstIndex(of: "#") ?? scalars.count
        let authorityEnd = scalars[start..<end].firstIndex { $0 == "/" || $0 == "?" } ?? end
        var hostStart = start
        if let at = scalars[start..<authorityEnd].lastIndex(of: "@") { hostStart = at + 1 }
        var host = string(scalars[hostStart..<authorityEnd]).lowercased()
        for defaultPort in [(scheme: "https", port: ":443"), (scheme: "http", port: ":80")]
        where scheme == defaultPort.scheme && host.hasSuffix(defaultPort.port) {
            host.removeLast(defaultPort.port.count)
        }
        guard isPlausibleHost(host) else { return nil }
        let queryStart = scalars[authorityEnd..<end].firstIndex(of: "?")
        var pathEnd = queryStart ?? end
        while pathEnd > authorityEnd, scalars[pathEnd - 1] == "/" { pathEnd -= 1 }
        let query = queryStart.map { cleanedQuery(string(scalars[($0 + 1)..<end])) } ?? ""
        return Parts(scheme: scheme, host: host, path: string(scalars[authorityEnd..<pathEnd]), query: query)
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        TextFolding.string(scalars)
    }

    private static func schemeSeparator(in scalars: [Unicode.Scalar]) -> Int? {
        for (index, scalar) in scalars.enumerated() {
            if scalar == "/" || scalar == "?" || scalar == "#" { return nil }
            guard scalar == ":" else { continue }
            let isSeparator = index + 2 < scalars.count && scalars[index + 1] == "/" && scalars[index + 2] == "/"
            return isSeparator ? index : nil
        }
        return nil
    }

    /// Accepts `acme.com`, `https://www.acme.com/path` or `Acme.com` and returns `acme.com`.
    static func domain(from configured: String) -> String? {
        let trimmed = configured.trimmingCharacters(in: .whitespaces)
        let candidate = trimmed.contains("://") ? trimmed : "https://" + trimmed
        return host(of: candidate)
    }

    static func host(_ host: String, belongsTo domain: String) -> Bool {
        host == domain || (host.hasSuffix(domain) && host.dropLast(domain.count).hasSuffix("."))
    }

    private static func isPlausibleHost(_ host: String) -> Bool {
        let name = Array(host.unicodeScalars.prefix { $0 != ":" })
        guard let first = name.first, let last = name.last, first != ".", last != "." else { return false }
        var sawDot = false
        for index in name.indices where name[index] == "." {
            if name[index - 1] == "." { return false }
            sawDot = true
        }
        return sawDot
    }

    private static func cleanedQuery(_ query: String) -> String {
        guard query.contains("utm_") || query.contains("UTM_") else { return query }
        return query.split(separator: "&")
            .filter { !$0.lowercased().hasPrefix("utm_") }
            .joined(separator: "&")
    }
}
