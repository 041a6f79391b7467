import Foundation

/// Everything the platform needs, loaded once at start. Handlers never read the environment.
public struct PlatformConfig: Sendable {
    public var database: DatabaseURL
    /// `TENANT_DATABASE_URL`: a login role that is a member of `platform_tenant`, for servers that
    /// want passwords. Unset, the tenant pools use `database` as `platform_tenant` itself.
    public var tenantDatabaseOverride: DatabaseURL?
    /// What the tenant pools connect with.
    public var tenantDatabase: DatabaseURL { tenantDatabaseOverride ?? database.as(user: TenantPools.role) }
    public var jwtSecret: String
    public var host: String
    public var port: Int
    /// Pool size per process.
    public var maximumConnections: Int
    /// How many jobs one worker process runs at once.
    public var workerConcurrency: Int
    /// A claimed job whose worker stops renewing it is taken over after this long (`JOB_LEASE_SECONDS`, default 30).
    public var jobLease: Duration
    /// How often an idle worker looks for due jobs even without a notification.
    public var jobPollInterval: Duration
    public var sseHeartbeat: Duration
    public var accessTokenLifetime: Duration
    public var refreshTokenLifetime: Duration
    /// Login and signup budgets per client address and overall (`ThrottleLimits`).
    public var throttles = ThrottleLimits()
    /// `TRUSTED_PROXIES`: addresses of the reverse proxies in front of the platform, whose
    /// `X-Forwarded-For` names the client (comma-separated; unset, the peer is the client).
    public var trustedProxies: Set<String> = []
    /// How long a spent refresh token still gets the same successor, so two tabs refreshing at once
    /// both stay signed in (default 10 s); presented later, it revokes its family.
    public var refreshGrace: Duration = .seconds(10)
    public var passwordHashing: PasswordHashingCost
    public var apiKeyRateLimit: RateLimit
    /// Each user's request rate, over all their access tokens (`USER_RATE_LIMIT`, per second; burst five times that).
    public var userRateLimit = RateLimit(perSecond: 50, burst: 250)
    /// `PUBLIC_URL`: where people reach the platform; emailed links start with it.
    public var publicURL: String
    /// `DATA_DIR`: the embedded default's folder (mail, files).
    public var dataDirectory: URL
    public var mail: MailSettings
    /// `CLERK_SECRET`: what `X-Clerk-Secret` must be; unset, the Clerk check answers 404.
    public var clerkSecret: String?
    /// `AI_PROVIDER` and its settings: the language model behind the AI features; nil, they answer
    /// 503 `provider_not_configured` and everything else works without them.
    public var ai: AISettings?
    /// The providers AI-visibility runs ask (`VisibilitySettings.fromEnvironment`); empty, runs
    /// cannot start and everything else about projects works.
    public var visibility: VisibilitySettings
    /// `WARM_SCHEMAS`: tenant schemas the worker keeps made ahead of signups (default 4; 0 for none).
    public var warmSchemas = 4
    /// `ACCESS_CACHE_SECONDS`: how long a key's or a membership's answer is kept (default 5). A
    /// change is heard at once over LISTEN/NOTIFY; the lifetime bounds a change that is not.
    public var accessCacheLifetime: Duration = .seconds(5)
    /// `INITIAL_CREDITS`: what a workspace's credit ledger opens with (default 100).
    public var initialCredits = 100
    /// `TRIAL_TIER` (default `pro`) and `TRIAL_DAYS` (default 3): the trial every new workspace's
    /// subscription starts with; 0 days starts it active on the tier at once.
    public var trial = Trial(tier: "pro", days: 3)
    /// `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_PUBLISHABLE_KEY`, `STRIPE_API_BASE`:
    /// with a secret key billing mirrors Stripe; without, the platform's own ledger is the truth.
    public var stripe: StripeSettings?
    /// `CALLBACK_SECRET`: what every workspace's callback secret is derived from; unset, the JWT
    /// secret is (so rotating either rotates every workspace's).
    public var callbackSecret: String?

    /// Signs and checks callbacks from automation (`RouteTable.signed`).
    public var callbackSigner: CallbackSigner { CallbackSigner(secret: callbackSecret ?? jwtSecret) }

    public init(
        database: DatabaseURL,
        tenantDatabase: DatabaseURL? = nil,
        jwtSecret: String,
        host: String = "127.0.0.1",
        port: Int = 8080,
        maximumConnections: Int = 20,
        workerConcurrency: Int = 4,
        jobLease: Duration = .seconds(30),
        jobPollInterval: Duration = .seconds(2),
        sseHeartbeat: Duration = .seconds(15),
        accessTokenLifetime: Duration = .seconds(15 * 60),
        refreshTokenLifetime: Duration = .seconds(30 * 24 * 3600),
        passwordHashing: PasswordHashingCost = .standard,
        apiKeyRateLimit: RateLimit = RateLimit(perSecond: 20, burst: 100),
        publicURL: String? = nil,
        dataDirectory: URL = URL(filePath: FileManager.default.currentDirectoryPath).appending(path: ".data"),
        mail: MailSettings? = nil,
        clerkSecret: String? = nil,
        ai: AISettings? = nil,
        visibility: VisibilitySettings = VisibilitySettings()
    ) {
        self.database = database
        self.tenantDatabaseOverride = tenantDatabase
        self.jwtSecret = jwtSecret
        self.host = host
        self.port = port
        self.maximumConnections = maximumConnections
        self.workerConcurrency = workerConcurrency
        self.jobLease = jobLease
        self.jobPollInterval = jobPollInterval
        self.sseHeartbeat = sseHeartbeat
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.passwordHashing = passwordHashing
        self.apiKeyRateLimit = apiKeyRateLimit
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.dataDirectory = dataDirectory
        self.mail = mail ?? MailSettings(directory: dataDirectory.appending(path: "mail"))
        self.clerkSecret = clerkSecret
        self.ai = ai
        self.visibility = visibility
    }

    /// Where uploaded files (avatars) are kept.
    public var filesDirectory: URL { dataDirectory.appending(path: "files") }

    /// Reads `DATABASE_URL`, `TENANT_DATABASE_URL`, `JWT_SECRET`, `TRUSTED_PROXIES`, the budgets (`ThrottleLimits`), `PORT`, `HOST`, `WORKER_CONCURRENCY`, `DATABASE_MAX_CONNECTIONS`,
    /// `PUBLIC_URL`, `DATA_DIR`, `SMTP_URL`, `SMTP_CA_FILE`, `MAIL_DIR`, `MAIL_FROM`, `CLERK_SECRET`, `INITIAL_CREDITS`, `CALLBACK_SECRET`, `JOB_LEASE_SECONDS`, and `AI_PROVIDER` with
    /// `AI_MODEL`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `GEMINI_API_KEY`, `GEMINI_BASE_URL`, the visibility providers' (`VisibilitySettings`), failing with every missing name at once.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PlatformConfig {
        var missing: [String] = []
        if environment["DATABASE_URL"] == nil { missing.append("DATABASE_URL") }
        if environment["JWT_SECRET"] == nil { missing.append("JWT_SECRET") }
        let ai = try AISettings.fromEnvironment(environment, missing: &missing)
        let visibility = try VisibilitySettings.fromEnvironment(environment, missing: &missing)
        guard missing.isEmpty, let url = environment["DATABASE_URL"], let secret = environment["JWT_SECRET"] else {
            throw ConfigError.missing(missing)
        }
        guard secret.utf8.count >= 32 else { throw ConfigError.invalid("JWT_SECRET", "use at least 32 bytes") }
        func integer(_ name: String, _ fallback: Int) throws -> Int {
            guard let raw = environment[name] else { return fallback }
            guard let value = Int(raw), value > 0 else { throw ConfigError.invalid(name, "expected a positive integer") }
            return value
        }
        func folder(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(filePath: path) : URL(filePath: FileManager.default.currentDirectoryPath).appending(path: path)
        }
        let dataDirectory = folder(environment["DATA_DIR"] ?? ".data")
        var mail = MailSettings(directory: environment["MAIL_DIR"].map(folder) ?? dataDirectory.appending(path: "mail"))
        if let smtp = environment["SMTP_URL"], !smtp.isEmpty {
            guard let url = URL(string: smtp), ["smtp", "smtps"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError.invalid("SMTP_URL", "expected smtp://user:password@host:port")
            }
            mail.smtp = url
        }
        mail.certificateAuthorities = environment["SMTP_CA_FILE"].map { URL(filePath: $0) }
        if let from = environment["MAIL_FROM"] { mail.from = from }
        let port = try integer("PORT", 8080)
        var config = PlatformConfig(
            database: try DatabaseURL(url),
            tenantDatabase: try environment["TENANT_DATABASE_URL"].map(DatabaseURL.init),
            jwtSecret: secret,
            host: environment["HOST"] ?? "127.0.0.1",
            port: port,
            maximumConnections: try integer("DATABASE_MAX_CONNECTIONS", 20),
            workerConcurrency: try integer("WORKER_CONCURRENCY", 4),
            publicURL: environment["PUBLIC_URL"].map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 },
            dataDirectory: dataDirectory,
            mail: mail,
            clerkSecret: environment["CLERK_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
            ai: ai,
            visibility: visibility
        )
        config.throttles = ThrottleLimits(
            loginsPerClient: try integer("LOGINS_PER_CLIENT", config.throttles.loginsPerClient),
            loginsPerMinute: try integer("LOGINS_PER_MINUTE", config.throttles.loginsPerMinute),
            signupsPerClient: try integer("SIGNUPS_PER_CLIENT", config.throttles.signupsPerClient),
            signupsPerMinute: try integer("SIGNUPS_PER_MINUTE", config.throttles.signupsPerMinute))
        if environment["USER_RATE_LIMIT"] != nil {
            let rate = try integer("USER_RATE_LIMIT", 50)
            config.userRateLimit = RateLimit(perSecond: Double(rate), burst: rate * 5)
        }
        config.trustedProxies = Set((environment["TRUSTED_PROXIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if environment["JOB_LEASE_SECONDS"] != nil { config.jobLease = .seconds(try integer("JOB_LEASE_SECONDS", 30)) }
        if let secret = environment["CALLBACK_SECRET"], !secret.isEmpty {
            guard secret.utf8.count >= 32 else { throw ConfigError.invalid("CALLBACK_SECRET", "use at least 32 bytes") }
            config.callbackSecret = secret
        }
        if let tier = environment["TRIAL_TIER"], !tier.isEmpty { config.trial.tier = tier }
        if let key = environment["STRIPE_SECRET_KEY"], !key.isEmpty {
            config.stripe = StripeSettings(
                secretKey: key, webhookSecret: environment["STRIPE_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
                publishableKey: environment["STRIPE_PUBLISHABLE_KEY"], apiBase: environment["STRIPE_API_BASE"] ?? "https://api.stripe.com")
        }
        if let raw = environment["TRIAL_DAYS"] {
            guard let days = Int(raw), (0...365).contains(days) else { throw ConfigError.invalid("TRIAL_DAYS", "expected 0 to 365") }
            config.trial.days = days
        }
        if let raw = environment["WARM_SCHEMAS"] {
            guard let count = Int(raw), (0...1000).contains(count) else { throw ConfigError.invalid("WARM_SCHEMAS", "expected 0 to 1000") }
            config.warmSchemas = count
        }
        if let raw = environment["ACCESS_CACHE_SECONDS"] {
            guard let seconds = Int(raw), (0...3600).contains(seconds) else { throw ConfigError.invalid("ACCESS_CACHE_SECONDS", "expected 0 to 3600") }
            config.accessCacheLifetime = .seconds(seconds)
        }
        if let raw = environment["INITIAL_CREDITS"] {
            guard let credits = Int(raw), credits >= 0 else { throw ConfigError.invalid("INITIAL_CREDITS", "expected a whole number, 0 or more") }
            config.initialCredits = credits
        }
        return config
    }
}

/// Stripe's keys; the API base is Stripe's unless a test points it at a local server.
public struct StripeSettings: Sendable {
    public var secretKey: String
    public var webhookSecret: String?
    public var publishableKey: String?
    public var apiBase: String

    public init(secretKey: String, webhookSecret: String?, publishableKey: String? = nil, apiBase: String = "https://api.stripe.com") {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.publishableKey = publishableKey
        self.apiBase = apiBase
    }
}

/// The trial a new workspace starts with.
public struct Trial: Sendable, Equatable {
    public var tier: String
    public var days: Int

    public init(tier: String, days: Int) {
        self.tier = tier
        self.days = days
    }
}

/// argon2id cost: SPEC §5 asks for 19 MiB, 2 passes, 1 lane.
public struct PasswordHashingCost: Sendable, Equatable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    public static let standard = PasswordHashingCost(memoryKiB: 19 * 1024, iterations: 2, parallelism: 1)
}

/// Requests per second with a burst allowance, per API key.
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// For test platforms and benchmarks, which send a user's or a key's requests as fast as they can.
    public static let unbounded = RateLimit(perSecond: 1_000_000, burst: 1_000_000)
}

/// How mail leaves: over SMTP when `smtp` is set, otherwise as `.eml` files in `directory`.
public struct MailSettings: Sendable, Equatable {
    public var smtp: URL?
    /// A PEM file of extra certificate authorities to trust for the SMTP server (`SMTP_CA_FILE`).
    public var certificateAuthorities: URL?
    public var directory: URL
    public var from: String
    /// How often the sender looks for retries that fell due.
    public var pollInterval: Duration
    /// The first retry's delay; each further one doubles it (up to an hour).
    public var retryDelay: Duration

    public init(smtp: URL? = nil, certificateAuthorities: URL? = nil, directory: URL, from: String = "Platform <no-reply@localhost>",
                pollInterval: Duration = .seconds(5), retryDelay: Duration = .seconds(10)) {
        self.smtp = smtp
        self.certificateAuthorities = certificateAuthorities
        self.directory = directory
        self.from = from
        self.pollInterval = pollInterval
        self.retryDelay = retryDelay
    }
}

/// The language model the AI features call: an OpenAI-compatible server (OpenAI, vLLM, Ollama,
/// `platform visibility fake-provider`) or Gemini.
public struct AISettings: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable { case openai, gemini }

    public var provider: Provider
    public var model: String
    public var apiKey: String
    /// Nil: the provider's public endpoint.
    public var baseURL: String?
    /// Attempts per call (429 and 5xx are retried with backoff).
    public var maximumAttempts: Int
    /// Per attempt.
    public var requestTimeout: Duration

    public init(provider: Provider, model: String? = nil, apiKey: String, baseURL: String? = nil, maximumAttempts: Int = 3,
                requestTimeout: Duration = .seconds(60)) {
        self.provider = provider
        self.model = model ?? Self.defaultModel(provider)
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.maximumAttempts = maximumAttempts
        self.requestTimeout = requestTimeout
    }

    public static func defaultModel(_ provider: Provider) -> String {
        switch provider {
        case .openai: "gpt-4o-mini"
        case .gemini: "gemini-2.5-flash"
        }
    }

    /// `AI_PROVIDER` (`openai`, `gemini`; unset or `none`: no provider), `AI_MODEL`, and the
    /// provider's key and base URL (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `GEMINI_API_KEY`, `GEMINI_BASE_URL`).
    static func fromEnvironment(_ environment: [String: String], missing: inout [String]) throws -> AISettings? {
        guard let raw = environment["AI_PROVIDER"], !raw.isEmpty, raw != "none" else { return nil }
        guard let provider = Provider(rawValue: raw.lowercased()) else {
            throw ConfigError.invalid("AI_PROVIDER", "expected openai, gemini or none")
        }
        let keyName = provider == .openai ? "OPENAI_API_KEY" : "GEMINI_API_KEY"
        guard let key = environment[keyName], !key.isEmpty else {
            missing.append(keyName)
            return nil
        }
        let model = environment["AI_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        let baseURL = environment[provider == .openai ? "OPENAI_BASE_URL" : "GEMINI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        return AISettings(provider: provider, model: model, apiKey: key, baseURL: baseURL)
    }
}

/// Budgets for logins and signups, per client address and for the whole platform: `LOGINS_PER_CLIENT`
/// per 15 minutes (default 100), `LOGINS_PER_MINUTE` (default 600), `SIGNUPS_PER_CLIENT` per hour
/// (default 20), `SIGNUPS_PER_MINUTE` (default 120). The per-account login budget is fixed.
public struct ThrottleLimits: Sendable {
    public var loginsPerClient: Int
    public var loginsPerMinute: Int
    public var signupsPerClient: Int
    public var signupsPerMinute: Int

    public init(loginsPerClient: Int = 100, loginsPerMinute: Int = 600, signupsPerClient: Int = 20, signupsPerMinute: Int = 120) {
        self.loginsPerClient = loginsPerClient
        self.loginsPerMinute = loginsPerMinute
        self.signupsPerClient = signupsPerClient
        self.signupsPerMinute = signupsPerMinute
    }

    /// High enough never to bind: for test platforms and benchmarks, whose every client is 127.0.0.1.
    public static let unbounded = ThrottleLimits(loginsPerClient: 1_000_000, loginsPerMinute: 1_000_000, signupsPerClient: 1_000_000, signupsPerMinute: 1_000_000)
}
