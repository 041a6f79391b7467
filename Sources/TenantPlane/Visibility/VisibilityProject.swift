import Foundation
import PlatformCore

/// A brand whose presence in AI assistants' answers the workspace measures ([000] project, [001]
/// website, [002] brand). DELETE archives it; an archived project answers 404 everywhere but in
/// `GET /projects?archived=true`.
struct VisibilityProject: APIModel, TableRow {
    let id: UUID
    let name: String
    let brandName: String
    let brandAliases: [String]
    let brandDomains: [String]
    let websiteURL: String?
    let locale: String
    let setupStatus: SetupStatus
    /// Empty: every provider configured when a run starts.
    let defaultProviders: [String]
    let defaultRepetitions: Int
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    let archivedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, brandName = "brand_name", brandAliases = "brand_aliases", brandDomains = "brand_domains", websiteURL = "website_url", locale
        case setupStatus = "setup_status", defaultProviders = "default_providers", defaultRepetitions = "default_repetitions", createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at", archivedAt = "archived_at"
    }

    static let columns: Columns = [
        "id", "name", "brand_name", "brand_aliases", "brand_domains", "website_url", "locale", "setup_status", "default_providers",
        "default_repetitions", "created_by", "created_at", "updated_at", "archived_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        name = try row("name")
        brandName = try row("brand_name")
        brandAliases = try row("brand_aliases")
        brandDomains = try row("brand_domains")
        websiteURL = try row("website_url")
        locale = try row("locale")
        setupStatus = try row("setup_status")
        defaultProviders = try row("default_providers")
        defaultRepetitions = Int(try row("default_repetitions", as: Int16.self))
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
        archivedAt = try row("archived_at")
    }

    private init(example: Void) {
        id = VisibilityExamples.projectID
        name = "Acme CRM"
        brandName = "Acme"
        brandAliases = ["Acme CRM", "AcmeCRM"]
        brandDomains = ["acme.com"]
        websiteURL = "https://www.acme.com"
        locale = "en-US"
        setupStatus = .complete
        defaultProviders = ["openai", "perplexity"]
        defaultRepetitions = 1
        createdBy = VisibilityExamples.memberID
        createdAt = VisibilityExamples.date
        updatedAt = VisibilityExamples.date
        archivedAt = nil
    }

    static let example = VisibilityProject(example: ())

    /// `POST /projects`, and the body of PUT (what is left out takes its default).
    struct New: RequestBody, APIModel {
        var name: String
        var brandName: String
        var brandAliases: [String]?
        /// Default: the domain of `website_url`.
        var brandDomains: [String]?
        var websiteURL: String?
        /// Default `en-US`.
        var locale: String?
        /// Default `DRAFT`.
        var setupStatus: SetupStatus?
        /// `openai`, `gemini`, `perplexity`; default empty (every provider configured when a run starts).
        var defaultProviders: [String]?
        /// 1 to 5, default 1.
        var defaultRepetitions: Int?

        enum CodingKeys: String, CodingKey {
            case name, brandName = "brand_name", brandAliases = "brand_aliases", brandDomains = "brand_domains", websiteURL = "website_url", locale
            case setupStatus = "setup_status", defaultProviders = "default_providers", defaultRepetitions = "default_repetitions"
        }

        func validated() throws -> New {
            var check = Validation()
            var new = self
            new.name = check.text(name, "name", length: 1...200)
            new.brandName = check.text(brandName, "brand_name", length: 1...200)
            new.brandAliases = VisibilityInput.names(brandAliases ?? [], "brand_aliases", &check)
            new.websiteURL = websiteURL.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : VisibilityInput.websiteURL($0, "website_url", &check) }
            new.brandDomains = VisibilityInput.domains(brandDomains ?? [], "brand_domains", &check)
            if brandDomains == nil, let domain = new.websiteURL.flatMap(VisibilityInput.domain(of:)), VisibilityInput.isDomain(domain) {
                new.brandDomains = [domain]
            }
            new.locale = VisibilityInput.locale(locale ?? "en-US", "locale", &check)
            new.setupStatus = setupStatus ?? .draft
            new.defaultProviders = VisibilityInput.providers(defaultProviders ?? [], "default_providers", &check)
            new.defaultRepetitions = defaultRepetitions ?? 1
            check.require((1...5).contains(new.defaultRepetitions ?? 1), "default_repetitions", "must be 1 to 5")
            try check.finish("The project is invalid.")
            return new
        }

        static let example = New(
            name: "Acme CRM", brandName: "Acme", brandAliases: ["Acme CRM"], brandDomains: nil, websiteURL: "https://www.acme.com", locale: "en-US",
            setupStatus: nil, defaultProviders: ["openai"], defaultRepetitions: 1)

        /// PUT: every field as sent (validated), those left out at their defaults.
        var replacement: Change {
            Change(
                name: .value(name), brandName: .value(brandName), brandAliases: .value(brandAliases ?? []), brandDomains: .value(brandDomains ?? []),
                websiteURL: websiteURL.map(Patch.value) ?? .null, locale: .value(locale ?? "en-US"), setupStatus: .value(setupStatus ?? .draft),
                defaultProviders: .value(defaultProviders ?? []), defaultRepetitions: .value(defaultRepetitions ?? 1))
        }
    }

    /// PATCH: the fields sent change; null clears (`website_url`) or resets to the default (the
    /// lists to empty, `locale` to `en-US`). A new `website_url` fills `brand_domains` when the
    /// project has none and the body sends none.
    struct Change: RequestBody, APIModel {
        var name: Patch<String> = .absent
        var brandName: Patch<String> = .absent
        var brandAliases: Patch<[String]> = .absent
        var brandDomains: Patch<[String]> = .absent
        var websiteURL: Patch<String> = .absent
        var locale: Patch<String> = .absent
        var setupStatus: Patch<SetupStatus> = .absent
        var defaultProviders: Patch<[String]> = .absent
        var defaultRepetitions: Patch<Int> = .absent

        enum CodingKeys: String, CodingKey {
            case name, brandName = "brand_name", brandAliases = "brand_aliases", brandDomains = "brand_domains", websiteURL = "website_url", locale
            case setupStatus = "setup_status", defaultProviders = "default_providers", defaultRepetitions = "default_repetitions"
        }

        init(name: Patch<String> = .absent, brandName: Patch<String> = .absent, brandAliases: Patch<[String]> = .absent,
             brandDomains: Patch<[String]> = .absent, websiteURL: Patch<String> = .absent, locale: Patch<String> = .absent,
             setupStatus: Patch<SetupStatus> = .absent, defaultProviders: Patch<[String]> = .absent, defaultRepetitions: Patch<Int> = .absent) {
            (self.name, self.brandName, self.brandAliases, self.brandDomains, self.websiteURL) = (name, brandName, brandAliases, brandDomains, websiteURL)
            (self.locale, self.setupStatus, self.defaultProviders, self.defaultRepetitions) = (locale, setupStatus, defaultProviders, defaultRepetitions)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(Patch<String>.self, forKey: .name)
            brandName = try c.decode(Patch<String>.self, forKey: .brandName)
            brandAliases = try c.decode(Patch<[String]>.self, forKey: .brandAliases)
            brandDomains = try c.decode(Patch<[String]>.self, forKey: .brandDomains)
            websiteURL = try c.decode(Patch<String>.self, forKey: .websiteURL)
            locale = try c.decode(Patch<String>.self, forKey: .locale)
            setupStatus = try c.decode(Patch<SetupStatus>.self, forKey: .setupStatus)
            defaultProviders = try c.decode(Patch<[String]>.self, forKey: .defaultProviders)
            defaultRepetitions = try c.decode(Patch<Int>.self, forKey: .defaultRepetitions)
        }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let text) = name { change.name = .value(check.text(text, "name", length: 1...200)) }
            check.require(name != .null, "name", "must not be null")
            if case .value(let text) = brandName { change.brandName = .value(check.text(text, "brand_name", length: 1...200)) }
            check.require(brandName != .null, "brand_name", "must not be null")
            if case .value(let names) = brandAliases { change.brandAliases = .value(VisibilityInput.names(names, "brand_aliases", &check)) }
            change.brandAliases = change.brandAliases.clearingTo([])
            if case .value(let domains) = brandDomains { change.brandDomains = .value(VisibilityInput.domains(domains, "brand_domains", &check)) }
            change.brandDomains = change.brandDomains.clearingTo([])
            if case .value(let url) = websiteURL {
                change.websiteURL = url.trimmingCharacters(in: .whitespaces).isEmpty ? .null : .value(VisibilityInput.websiteURL(url, "website_url", &check))
            }
            if case .value(let tag) = locale { change.locale = .value(VisibilityInput.locale(tag, "locale", &check)) }
            change.locale = change.locale.clearingTo("en-US")
            check.require(setupStatus != .null, "setup_status", "must not be null")
            if case .value(let names) = defaultProviders { change.defaultProviders = .value(VisibilityInput.providers(names, "default_providers", &check)) }
            change.defaultProviders = change.defaultProviders.clearingTo([])
            if case .value(let count) = defaultRepetitions { check.require((1...5).contains(count), "default_repetitions", "must be 1 to 5") }
            change.defaultRepetitions = change.defaultRepetitions.clearingTo(1)
            try check.finish("The project change is invalid.")
            return change
        }

        /// The domain a new `website_url` implies, for a project without domains.
        var impliedDomain: String? {
            guard case .value(let url) = websiteURL, case .absent = brandDomains else { return nil }
            return VisibilityInput.domain(of: url).flatMap { VisibilityInput.isDomain($0) ? $0 : nil }
        }

        static let example = Change(setupStatus: .value(.complete), defaultRepetitions: .value(3))
    }
}

/// `GET /projects`: live projects, newest first, by default of every setup status.
struct VisibilityProjectListQuery: QueryParameters {
    let page: Page
    /// The setup status: `DRAFT`, `COMPLETE` (comma-separated for both); `COMPLETE` alone lists the ready ones (B15).
    let status: [SetupStatus]?
    /// `true`: only archived projects; default false.
    let archived: Bool?

    enum CodingKeys: String, CodingKey { case page, status, archived }
}
