/// A brand to look for: its name, other names it goes by, and the domains it owns.
public struct BrandProfile: Codable, Hashable, Sendable {
    public var name: String
    public var aliases: [String]
    public var domains: [String]

    public init(name: String, aliases: [String] = [], domains: [String] = []) {
        self.name = name
        self.aliases = aliases
        self.domains = domains
    }

    enum CodingKeys: String, CodingKey {
        case name, aliases, domains
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        aliases = try container.decodeIfPresent([String].self, forKey: .aliases) ?? []
        domains = try container.decodeIfPresent([String].self, forKey: .domains) ?? []
    }
}
