import Foundation
import PlatformCore

// MARK: - DTOs

enum Accounts {
    enum Status: String, SchemaEnum {
        case active, suspended
        case pendingReview = "pending_review"
    }

    struct Address: Codable, Equatable, Sendable {
        let street: String
        let postalCode: String

        enum CodingKeys: String, CodingKey {
            case street
            case postalCode = "postal_code"
        }
    }

    struct Account: Codable, Sendable {
        let id: UUID
        let createdAt: Date
        let displayName: String?
        let tags: [String]
        let address: Address
        let billingAddress: Address?
        let status: Status
        let metadata: JSONValue
        let quotas: [String: Int]
        let contact: EmailAddress

        enum CodingKeys: String, CodingKey {
            case id
            case createdAt = "created_at"
            case displayName = "display_name"
            case tags, address
            case billingAddress = "billing_address"
            case status, metadata, quotas, contact
        }
    }
}

struct ListPage<Item: Codable>: Codable {
    let items: [Item]
    let total: Int
    let limit: Int
    let offset: Int
}

extension ListPage: Sendable where Item: Sendable {}

/// Validates in `init(from:)`, which would throw on the reflector's placeholder "",
/// so it describes itself instead.
struct EmailAddress: Codable, Hashable, Sendable, SchemaDescribed {
    struct Invalid: Error {}
    let value: String

    init(_ value: String) throws {
        guard value.contains("@") else { throw Invalid() }
        self.value = value
    }

    init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    static var jsonSchema: JSONSchema {
        JSONSchema(types: [.string], format: "email", description: "An e-mail address.", minLength: 3, maxLength: 254)
    }

    static var schemaPlaceholder: EmailAddress { try! EmailAddress("user@example.com") }
}

struct Category: Codable {
    let name: String
    let parentID: UUID?
    let children: [Category]

    enum CodingKeys: String, CodingKey {
        case name
        case parentID = "parent_id"
        case children
    }
}

// Mutually recursive: a Document needs a Folder value, a Folder only an array of Documents.
struct Folder: Decodable {
    let name: String
    let documents: [Document]
}

struct Document: Decodable {
    let title: String
    let folder: Folder
}

struct P: Decodable {
    let name: Patch<String>
    let note: Patch<String>
}

struct AccountPatch: Decodable {
    let displayName: Patch<String>
    let billingAddress: Patch<Accounts.Address>
    let tags: Patch<[String]>

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name"
        case billingAddress = "billing_address"
        case tags
    }
}

// MARK: - Hand-written Decodable shapes

/// `[lat, lon]`: an unkeyed container, so an inline array schema.
struct GeoPoint: Decodable {
    let latitude: Double
    let longitude: Double

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        latitude = try container.decode(Double.self)
        longitude = try container.decode(Double.self)
    }
}

/// `{"id": 1, "meta": {"kind": "..."}}` read through a nested container.
struct Envelope: Decodable {
    let id: Int
    let kind: String

    enum Keys: String, CodingKey { case id, meta }
    enum MetaKeys: String, CodingKey { case kind }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decode(Int.self, forKey: .id)
        kind = try container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta).decode(String.self, forKey: .kind)
    }
}

class BaseRecord: Decodable {
    let id: Int
}

final class NamedRecord: BaseRecord {
    let name: String

    enum CodingKeys: String, CodingKey { case name }

    required init(from decoder: any Decoder) throws {
        name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
        try super.init(from: decoder)  // same decoder: the keys merge into one object
    }
}

/// `decode(String?.self, ...)`: the key must be present, the value may be null.
struct ExplicitOptional: Decodable {
    let note: String?

    enum CodingKeys: String, CodingKey { case note }

    init(from decoder: any Decoder) throws {
        note = try decoder.container(keyedBy: CodingKeys.self).decode(String?.self, forKey: .note)
    }
}

// MARK: - Types the reflector must refuse, loudly

enum PlainKind: String, Codable { case small, large }

struct HoldsPlainKind: Decodable {
    let kind: PlainKind
}

struct ValidatingCode: Decodable {
    struct Empty: Error {}
    let code: String

    init(from decoder: any Decoder) throws {
        code = try decoder.singleValueContainer().decode(String.self)
        guard !code.isEmpty else { throw Empty() }
    }
}

/// The same check, skipped while the reflector runs.
struct LenientCode: Decodable {
    let code: String

    init(from decoder: any Decoder) throws {
        code = try decoder.singleValueContainer().decode(String.self)
        if decoder.userInfo[.schemaReflection] == nil, code.isEmpty { throw ValidatingCode.Empty() }
    }
}

enum Shape: Decodable {
    case circle(radius: Double)
    case square(side: Double)
}

final class Chain: Decodable {
    let next: Chain
}

struct Box<T: Codable>: Codable { let value: T }
struct Box_Int_: Codable { let value: Int }

private struct Hidden: Codable { let flag: Bool }
let hiddenTypeName = SchemaReflector.componentName(for: Hidden.self)
let hiddenListName = SchemaReflector.componentName(for: ListPage<Hidden>.self)

// MARK: - Helpers

func json(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

func jsonValue<T: Encodable>(encoding value: T) throws -> JSONValue {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    return try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value))
}

/// `value` with the member at JSON Pointer `pointer` replaced, or removed when `newValue` is nil.
func replacing(_ pointer: String, with newValue: JSONValue?, in value: JSONValue) -> JSONValue {
    let tokens = pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
    return replacing(tokens[...], with: newValue, in: value)
}

private func replacing(_ tokens: ArraySlice<String>, with newValue: JSONValue?, in value: JSONValue) -> JSONValue {
    guard let head = tokens.first else { return newValue ?? .null }
    let rest = tokens.dropFirst()
    switch value {
    case .object(var members):
        members[head] = rest.isEmpty ? newValue : replacing(rest, with: newValue, in: members[head] ?? .null)
        return .object(members)
    case .array(var elements):
        let index = Int(head)!
        if !rest.isEmpty {
            elements[index] = replacing(rest, with: newValue, in: elements[index])
        } else if let newValue {
            elements[index] = newValue
        } else {
            elements.remove(at: index)
        }
        return .array(elements)
    default:
        preconditionFailure("cannot descend into \(value) at \(head)")
    }
}

enum Samples {
    static let accountA = Accounts.Account(
        id: UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!,
        createdAt: Date(timeIntervalSince1970: 1_714_566_600),
        displayName: "Ops",
        tags: ["internal", "beta"],
        address: .init(street: "1 Main St", postalCode: "10001"),
        billingAddress: nil,
        status: .active,
        metadata: .object(["tier": .string("gold"), "seats": .number(5), "flags": .array([.bool(true), .null])]),
        quotas: ["cpu": 4, "memory_gb": 16],
        contact: try! EmailAddress("ops@example.com"))

    static let accountB = Accounts.Account(
        id: UUID(uuidString: "0b9a1f5e-2c3d-4e5f-8a7b-9c0d1e2f3a4b")!,
        createdAt: Date(timeIntervalSince1970: 1_700_000_000),
        displayName: nil,
        tags: [],
        address: .init(street: "2 Side Rd", postalCode: "SW1A 1AA"),
        billingAddress: .init(street: "PO Box 9", postalCode: "EC1A 1BB"),
        status: .pendingReview,
        metadata: .null,
        quotas: [:],
        contact: try! EmailAddress("billing@example.org"))

    static let page = ListPage(items: [accountA, accountB], total: 2, limit: 50, offset: 0)
}

/// Not Codable: only for component names of unusual generic arguments.
struct Tagged<T> {}
