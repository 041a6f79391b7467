import Foundation
import PlatformCore
import Testing

@Suite struct SchemaValidationTests {
    static let reflected: (page: JSONSchema, category: JSONSchema, components: SchemaComponents) = {
        var reflector = SchemaReflector()
        let page = try! reflector.schema(for: ListPage<Accounts.Account>.self)
        let category = try! reflector.schema(for: Category.self)
        return (page, category, reflector.components)
    }()

    static func validPage() throws -> JSONValue { try jsonValue(encoding: Samples.page) }

    @Test func encodedExamplesValidate() throws {
        let (page, category, components) = Self.reflected
        let document = try Self.validPage()
        #expect(page.validate(document, components: components) == [])
        #expect(document.objectValue?["items"] != nil)

        let tree = Category(name: "root", parentID: nil, children: [
            Category(name: "leaf", parentID: UUID(), children: []),
        ])
        #expect(category.validate(try jsonValue(encoding: tree), components: components) == [])
        #expect(JSONSchema.ref("Accounts.Account").validate(try jsonValue(encoding: Samples.accountB), components: components) == [])
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let pointer: String
        let newValue: JSONValue?  // nil removes the member
        let expectedPath: String
        let message: String
        var testDescription: String { "\(pointer) → \(expectedPath)" }
    }

    static let invalidCases: [InvalidCase] = [
        .init(pointer: "/items/0/id", newValue: .string("6F9619FF-8B86-D011-B42D"), expectedPath: "/items/0/id", message: "is not a valid uuid"),
        .init(pointer: "/items/0/created_at", newValue: .string("2024-02-30T10:00:00Z"), expectedPath: "/items/0/created_at", message: "is not a valid date-time"),
        .init(pointer: "/items/0/nickname", newValue: .string("x"), expectedPath: "/items/0/nickname", message: "property is not allowed"),
        .init(pointer: "/items/0/tags/1", newValue: .number(7), expectedPath: "/items/0/tags/1", message: "expected string, got integer"),
        .init(pointer: "/items/0/status", newValue: .string("deleted"), expectedPath: "/items/0/status",
              message: #"must be one of "active", "suspended", "pending_review""#),
        .init(pointer: "/items/0/quotas/cpu", newValue: .number(1.5), expectedPath: "/items/0/quotas/cpu", message: "expected integer, got number"),
        .init(pointer: "/total", newValue: nil, expectedPath: "/total", message: "required property is missing"),
        .init(pointer: "/items/1/address/postal_code", newValue: nil, expectedPath: "/items/1/address/postal_code", message: "required property is missing"),
        .init(pointer: "/items/1/billing_address/street", newValue: .number(42), expectedPath: "/items/1/billing_address/street",
              message: "expected string, got integer"),
        .init(pointer: "/items/0/billing_address", newValue: .string("1 Main St"), expectedPath: "/items/0/billing_address",
              message: "does not match any of the allowed schemas"),
        .init(pointer: "/items/0/address", newValue: .null, expectedPath: "/items/0/address", message: "expected object, got null"),
        .init(pointer: "/items/0/display_name", newValue: .bool(true), expectedPath: "/items/0/display_name", message: "expected string or null, got boolean"),
        .init(pointer: "/items/1/contact", newValue: .string("a@"), expectedPath: "/items/1/contact", message: "must be at least 3 characters long"),
        .init(pointer: "/limit", newValue: .string("10"), expectedPath: "/limit", message: "expected integer, got string"),
        .init(pointer: "/items/1", newValue: .array([]), expectedPath: "/items/1", message: "expected object, got array"),
        .init(pointer: "/items/0/tags", newValue: .object([:]), expectedPath: "/items/0/tags", message: "expected array, got object"),
    ]

    @Test(arguments: invalidCases)
    func invalidDocumentReportsOneViolationAtPath(_ invalid: InvalidCase) throws {
        let (page, _, components) = Self.reflected
        let document = replacing(invalid.pointer, with: invalid.newValue, in: try Self.validPage())
        #expect(page.validate(document, components: components) == [SchemaViolation(path: invalid.expectedPath, message: invalid.message)])
    }

    @Test func severalViolationsAreAllReported() throws {
        let (page, _, components) = Self.reflected
        var document = try Self.validPage()
        document = replacing("/items/0/id", with: .number(1), in: document)
        document = replacing("/offset", with: nil, in: document)
        document = replacing("/extra", with: .bool(true), in: document)
        #expect(Set(page.validate(document, components: components).map(\.path)) == ["/items/0/id", "/offset", "/extra"])
    }

    @Test func rootTypeMismatchHasEmptyPath() {
        let (page, _, components) = Self.reflected
        #expect(page.validate(.array([]), components: components) == [SchemaViolation(path: "", message: "expected object, got array")])
    }

    @Test func unknownAndCircularRefs() {
        let components = SchemaComponents(schemas: ["A": .ref("B"), "B": .ref("A")])
        #expect(JSONSchema.ref("Missing").validate(.null, components: components)
            == [SchemaViolation(path: "", message: #"unresolved $ref "Missing""#)])
        #expect(JSONSchema.ref("A").validate(.null, components: components)
            == [SchemaViolation(path: "", message: #"circular $ref "A""#)])
    }

    @Test func integerAndNumberTypes() {
        let none = SchemaComponents()
        #expect(JSONSchema.integer.validate(.number(2), components: none) == [])
        #expect(JSONSchema.integer.validate(.number(-2e6), components: none) == [])
        #expect(JSONSchema.integer.validate(.number(2.5), components: none).count == 1)
        #expect(JSONSchema.number.validate(.number(2), components: none) == [])
        #expect(JSONSchema.integer.validate(.string("2"), components: none).count == 1)
        #expect(JSONSchema.null.validate(.null, components: none) == [])
        #expect(JSONSchema.null.validate(.bool(false), components: none).count == 1)
        #expect(JSONSchema.any.validate(.object(["x": .null]), components: none) == [])
    }

    @Test func enumsAndNullable() {
        let none = SchemaComponents()
        let status = JSONSchema.stringEnum(["a", "b"])
        #expect(status.validate(.string("b"), components: none) == [])
        #expect(status.validate(.null, components: none) == [SchemaViolation(path: "", message: "expected string, got null")])
        #expect(status.nullable.validate(.null, components: none) == [])
        #expect(status.nullable.validate(.string("c"), components: none)
            == [SchemaViolation(path: "", message: #"must be one of "a", "b", null"#)])
    }

    @Test func boundsAndLengths() {
        let none = SchemaComponents()
        let percent = JSONSchema(types: [.number], minimum: 0, maximum: 100)
        #expect(percent.validate(.number(0), components: none) == [])
        #expect(percent.validate(.number(100), components: none) == [])
        #expect(percent.validate(.number(-0.5), components: none) == [SchemaViolation(path: "", message: "must be ≥ 0")])
        #expect(percent.validate(.number(100.5), components: none) == [SchemaViolation(path: "", message: "must be ≤ 100")])

        // Lengths count Unicode scalars: a decomposed "é" is two, an emoji is one.
        let short = JSONSchema(types: [.string], minLength: 1, maxLength: 1)
        #expect(short.validate(.string("\u{E9}"), components: none) == [])
        #expect(short.validate(.string("😀"), components: none) == [])
        #expect(short.validate(.string("e\u{301}"), components: none)
            == [SchemaViolation(path: "", message: "must be at most 1 characters long")])
        #expect(short.validate(.string(""), components: none)
            == [SchemaViolation(path: "", message: "must be at least 1 characters long")])

        let pair = JSONSchema(types: [.array], items: .integer, minItems: 2, maxItems: 2)
        #expect(pair.validate(.array([.number(1), .number(2)]), components: none) == [])
        #expect(pair.validate(.array([.number(1)]), components: none) == [SchemaViolation(path: "", message: "must have at least 2 items")])
        #expect(pair.validate(.array([.number(1), .number(2), .number(3)]), components: none)
            == [SchemaViolation(path: "", message: "must have at most 2 items")])
        #expect(pair.validate(.array([.number(1), .string("2")]), components: none).map(\.path) == ["/1"])
    }

    @Test func additionalPropertiesAndPointerEscaping() {
        let none = SchemaComponents()
        let counts = JSONSchema.object(additionalProperties: .schema(.integer))
        #expect(counts.validate(.object(["a/b~c": .string("x")]), components: none)
            == [SchemaViolation(path: "/a~1b~0c", message: "expected integer, got string")])
        let open = JSONSchema.object(["id": .integer])
        #expect(open.validate(.object(["id": .number(1), "other": .null]), components: none) == [])
        let closed = JSONSchema.object(["id": .integer], additionalProperties: .bool(false))
        #expect(closed.validate(.object(["id": .number(1), "other": .null]), components: none).map(\.path) == ["/other"])
    }

    @Test func anyOfReportsTheOnlyPlausibleBranch() {
        let components = SchemaComponents(schemas: [
            "Point": .object(["x": .integer], required: ["x"], additionalProperties: .bool(false)),
        ])
        let schema = JSONSchema.anyOf([.string(format: "uuid"), .ref("Point")])
        #expect(schema.validate(.string("0b9a1f5e-2c3d-4e5f-8a7b-9c0d1e2f3a4b"), components: components) == [])
        #expect(schema.validate(.object(["x": .number(1)]), components: components) == [])
        #expect(schema.validate(.object(["x": .bool(true)]), components: components)
            == [SchemaViolation(path: "/x", message: "expected integer, got boolean")])
        #expect(schema.validate(.string("nope"), components: components)
            == [SchemaViolation(path: "", message: "is not a valid uuid")])
        #expect(schema.validate(.number(1), components: components)
            == [SchemaViolation(path: "", message: "does not match any of the allowed schemas")])
    }

    @Test(arguments: [
        ("6f9619ff-8b86-d011-b42d-00c04fc964ff", true),
        ("6F9619FF-8B86-D011-B42D-00C04FC964FF", true),
        ("6F9619FF-8b86-D011-b42d-00C04FC964FF", true),
        ("6F9619FF8B86-D011-B42D-00C04FC964FF0", false),
        ("6F9619FF-8B86-D011-B42D-00C04FC964F", false),
        ("6F9619FF-8B86-D011-B42D-00C04FC964FG", false),
        ("{6F9619FF-8B86-D011-B42D-00C04FC964FF}", false),
    ])
    func uuidFormat(_ text: String, _ valid: Bool) {
        #expect(JSONSchema.string(format: "uuid").validate(.string(text), components: .init()).isEmpty == valid)
    }

    @Test(arguments: [
        ("2024-05-01T12:30:00Z", true),
        ("2024-05-01T12:30:00.123456Z", true),
        ("2024-05-01t12:30:00z", true),
        ("2024-05-01T12:30:00+02:00", true),
        ("2024-02-29T00:00:00-05:30", true),
        ("2016-12-31T23:59:60Z", true),
        ("2023-02-29T00:00:00Z", false),
        ("2024-04-31T00:00:00Z", false),
        ("2024-13-01T00:00:00Z", false),
        ("2024-05-01 12:30:00Z", false),
        ("2024-05-01T12:30:00", false),
        ("2024-05-01T24:00:00Z", false),
        ("2024-05-01T12:60:00Z", false),
        ("2024-05-01T12:30:00.Z", false),
        ("2024-05-01T12:30:00+0200", false),
        ("2024-05-01T12:30:00+24:00", false),
        ("2024-5-01T12:30:00Z", false),
        ("2024-05-01", false),
        ("2024-05-01T12:30:00Z ", false),
    ])
    func dateTimeFormat(_ text: String, _ valid: Bool) {
        #expect(JSONSchema.string(format: "date-time").validate(.string(text), components: .init()).isEmpty == valid)
    }

    @Test func encoderDatesAreValidDateTimes() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let encoded = try JSONDecoder().decode([String].self, from: encoder.encode([Date(), Date(timeIntervalSince1970: 0)]))
        for text in encoded {
            #expect(JSONSchema.string(format: "date-time").validate(.string(text), components: .init()) == [], "\(text)")
        }
    }

    @Test(arguments: [
        ("https://example.com/a?b=c#d", true),
        ("mailto:ops@example.com", true),
        ("urn:isbn:0451450523", true),
        ("git+ssh://git@example.com/repo.git", true),
        ("example.com", false),
        ("/relative/path", false),
        ("1http://example.com", false),
        (":no-scheme", false),
        ("https://exa mple.com", false),
        ("https://example.com/<x>", false),
    ])
    func uriFormat(_ text: String, _ valid: Bool) {
        #expect(JSONSchema.string(format: "uri").validate(.string(text), components: .init()).isEmpty == valid)
    }

    @Test func unknownFormatsAreNotChecked() {
        #expect(JSONSchema.string(format: "email").validate(.string("not an email"), components: .init()) == [])
    }
}
