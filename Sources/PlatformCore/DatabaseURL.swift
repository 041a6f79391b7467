import Foundation
import PostgresNIO

/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
public struct DatabaseURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: String

    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
              ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else { throw ConfigError.invalid("DATABASE_URL", "expected postgres://user@host:port/database") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? username : path
        // TLS when the server offers it, as libpq does; a URL that says `disable` never tries.
        self.sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
    }

    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The same server, database and password as another role (the embedded cluster gives the
    /// tenant role the superuser's password; a server without passwords ignores it).
    public func `as`(user: String) -> DatabaseURL {
        var copy = self
        copy.username = user
        return copy
    }

    /// The URL with its password masked, for logs.
    public var redacted: String {
        var copy = self
        if copy.password != nil { copy.password = "***" }
        return copy.string
    }

    public var string: String {
        var userInfo = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        if let password { userInfo += ":" + (password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? password) }
        return "postgres://\(userInfo)@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    public func clientConfiguration(maximumConnections: Int = 20) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        // An idle connection closes after a minute (`connectionIdleTimeout`), so the default keep-alive
        // (a query every 30 s) kept nothing alive; it scheduled and cancelled a timer per lease.
        configuration.options.keepAliveBehavior = nil
        return configuration
    }
}

public enum ConfigError: Error, CustomStringConvertible {
    case invalid(String, String)
    case missing([String])

    public var description: String {
        switch self {
        case .invalid(let name, let why): "\(name) is invalid: \(why)"
        case .missing(let names): "missing configuration: \(names.joined(separator: ", "))"
        }
    }
}
