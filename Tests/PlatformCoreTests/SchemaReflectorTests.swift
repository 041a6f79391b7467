import Foundation
import PlatformCore
import Testing

@Suite struct SchemaReflectorTests {
    static let address = JSONSchema.object(
        ["street": .string(), "postal_code": .string()],
        required: ["street", "postal_code"],
        additionalProperties: .bool(false))

    static let account = JSONSchema.object(
        [
            "id": .string(format: "uuid"),
            "created_at": .string(format: "date-time"),
            "display_name": JSONSchema(types: [.string, .null]),
            "tags": .array(of: .string()),
            "address": .ref("Accounts.Address"),
            "billing_address": .anyOf([.ref("Accounts.Address"), .null]),
            "status": .stringEnum(["active", "suspended", "pending_review"]),
            "metadata": .any,
            "quotas": .object(additionalProperties: .schema(.integer)),
            "contact": EmailAddress.jsonSchema,
        ],
        required: ["id", "created_at", "tags", "address", "status", "metadata", "quotas", "contact"],
        additionalProperties: .bool(false))

    @Test func accountIsAComponentWithExactSchema() throws {
        var reflector = SchemaReflector()
        let schema = try reflector.schema(for: Accounts.Account.self)
        #expect(schema == .ref("Accounts.Account"))
        #expect(reflector.components.schemas == ["Accounts.Account": Self.account, "Accounts.Address": Self.address])
        // Declaration order of CodingKeys survives.
        #expect(reflector.components.schemas["Accounts.Account"]?.properties.names == [
            "id", "created_at", "display_name", "tags", "address", "billing_address",
            "status", "metadata", "quotas", "contact",
        ])
    }

    @Test func accountRendersAsJSONSchema() throws {
        var reflector = SchemaReflector()
        _ = try reflector.schema(for: Accounts.Account.self)
        let expected = try json(#"""
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["id", "created_at", "tags", "address", "status", "metadata", "quotas", "contact"],
          "properties": {
            "id": {"type": "string", "format": "uuid"},
            "created_at": {"type": "string", "format": "date-time"},
            "display_name": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "address": {"$ref": "#/components/schemas/Accounts.Address"},
            "billing_address": {"anyOf": [{"$ref": "#/components/schemas/Accounts.Address"}, {"type": "null"}]},
            "status": {"type": "string", "enum": ["active", "suspended", "pending_review"]},
            "metadata": {},
            "quotas": {"type": "object", "additionalProperties": {"type": "integer"}},
            "contact": {"type": "string", "format": "email", "description": "An e-mail address.",
                        "minLength": 3, "maxLength": 254}
          }
        }
        """#)
        #expect(reflector.components.schemas["Accounts.Account"]?.jsonValue() == expected)
    }

    @Test func genericPageIsNamedAndReferencesItsItem() throws {
        var reflector = SchemaReflector()
        let schema = try reflector.schema(for: ListPage<Accounts.Account>.self)
        #expect(schema == .ref("ListPage_Accounts.Account_"))
        #expect(reflector.components.schemas["ListPage_Accounts.Account_"] == .object(
            ["items": .array(of: .ref("Accounts.Account")), "total": .integer, "limit": .integer, "offset": .integer],
            required: ["items", "total", "limit", "offset"],
            additionalProperties: .bool(false)))
        #expect(Set(reflector.components.schemas.keys) == ["ListPage_Accounts.Account_", "Accounts.Account", "Accounts.Address"])
    }

    @Test func recursiveTypeTerminatesWithRef() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: Category.self) == .ref("Category"))
        #expect(reflector.components.schemas == ["Category": .object(
            ["name": .string(), "parent_id": .string(format: "uuid").nullable, "children": .array(of: .ref("Category"))],
            required: ["name", "children"],
            additionalProperties: .bool(false))])
    }

    @Test func mutuallyRecursiveTypesTerminate() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: Folder.self) == .ref("Folder"))
        #expect(reflector.components.schemas == [
            "Folder": .object(["name": .string(), "documents": .array(of: .ref("Document"))],
                              required: ["name", "documents"], additionalProperties: .bool(false)),
            "Document": .object(["title": .string(), "folder": .ref("Folder")],
                                required: ["title", "folder"], additionalProperties: .bool(false)),
        ])
    }

    @Test func patchFieldsAreOptionalAndNullable() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: P.self) == .ref("P"))
        let p = try #require(reflector.components.schemas["P"])
        #expect(p == .object(["name": JSONSchema(types: [.string, .null]), "note": JSONSchema(types: [.string, .null])],
                             additionalProperties: .bool(false)))
        #expect(p.required.isEmpty)

        _ = try reflector.schema(for: AccountPatch.self)
        #expect(reflector.components.schemas["AccountPatch"] == .object(
            [
                "display_name": JSONSchema(types: [.string, .null]),
                "billing_address": .anyOf([.ref("Accounts.Address"), .null]),
                "tags": JSONSchema(types: [.array, .null], items: .string()),
            ],
            additionalProperties: .bool(false)))
        #expect(reflector.components.schemas["Accounts.Address"] == Self.address)
    }

    @Test func schemaDescribedTypeIsUsedInlineEvenThoughItsInitWouldThrow() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: EmailAddress.self) == EmailAddress.jsonSchema)
        #expect(try reflector.schema(for: [EmailAddress].self) == .array(of: EmailAddress.jsonSchema))
        #expect(reflector.components.schemas.isEmpty)
    }

    @Test func leavesAndContainersAreInline() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: String.self) == .string())
        #expect(try reflector.schema(for: Bool.self) == .boolean)
        #expect(try reflector.schema(for: Int.self) == .integer)
        #expect(try reflector.schema(for: Int64.self) == .integer)
        #expect(try reflector.schema(for: Int8.self) == JSONSchema(types: [.integer], minimum: -128, maximum: 127))
        #expect(try reflector.schema(for: UInt32.self) == JSONSchema(types: [.integer], minimum: 0, maximum: 4_294_967_295))
        #expect(try reflector.schema(for: UInt64.self) == JSONSchema(types: [.integer], minimum: 0))
        #expect(try reflector.schema(for: Double.self) == .number)
        #expect(try reflector.schema(for: Float.self) == .number)
        #expect(try reflector.schema(for: UUID.self) == .string(format: "uuid"))
        #expect(try reflector.schema(for: Date.self) == .string(format: "date-time"))
        #expect(try reflector.schema(for: URL.self) == .string(format: "uri"))
        #expect(try reflector.schema(for: JSONValue.self) == .any)
        #expect(try reflector.schema(for: Int?.self) == JSONSchema(types: [.integer, .null]))
        #expect(try reflector.schema(for: Set<String>.self) == .array(of: .string()))
        #expect(try reflector.schema(for: [[UUID]].self) == .array(of: .array(of: .string(format: "uuid"))))
        #expect(try reflector.schema(for: [String: [Bool]].self) == .object(additionalProperties: .schema(.array(of: .boolean))))
        #expect(try reflector.schema(for: [Int: String].self) == .object(additionalProperties: .schema(.string())))
        #expect(try reflector.schema(for: Accounts.Status.self) == .stringEnum(["active", "suspended", "pending_review"]))
        #expect(try reflector.schema(for: Accounts.Status?.self)
            == JSONSchema(types: [.string, .null], enumValues: [.string("active"), .string("suspended"), .string("pending_review"), .null]))
        #expect(try reflector.schema(for: Patch<Int>.self) == JSONSchema(types: [.integer, .null]))
        #expect(try reflector.schema(for: GeoPoint.self) == JSONSchema(types: [.array], items: .number))
        #expect(try reflector.schema(for: LenientCode.self) == .string())
        #expect(reflector.components.schemas.isEmpty)
    }

    @Test func handWrittenDecoders() throws {
        var reflector = SchemaReflector()
        _ = try reflector.schema(for: Envelope.self)
        #expect(reflector.components.schemas["Envelope"] == .object(
            ["id": .integer,
             "meta": .object(["kind": .string()], required: ["kind"], additionalProperties: .bool(false))],
            required: ["id", "meta"],
            additionalProperties: .bool(false)))

        _ = try reflector.schema(for: NamedRecord.self)
        #expect(reflector.components.schemas["NamedRecord"] == .object(
            ["name": .string(), "id": .integer], required: ["name", "id"], additionalProperties: .bool(false)))
    }

    @Test func componentsAccumulateAcrossCalls() throws {
        var reflector = SchemaReflector()
        _ = try reflector.schema(for: Accounts.Address.self)
        _ = try reflector.schema(for: Category.self)
        _ = try reflector.schema(for: Accounts.Address.self)
        #expect(Set(reflector.components.schemas.keys) == ["Accounts.Address", "Category"])
    }

    @Test func componentNames() {
        func name(_ type: Any.Type) -> String { SchemaReflector.componentName(for: type) }
        #expect(name(Accounts.Account.self) == "Accounts.Account")
        #expect(name(Category.self) == "Category")
        #expect(name(ListPage<Accounts.Account>.self) == "ListPage_Accounts.Account_")
        #expect(name(ListPage<[Int]>.self) == "ListPage_Array_Int__")
        #expect(name(ListPage<[String: Int?]>.self) == "ListPage_Dictionary_String_Optional_Int___")
        #expect(name(ListPage<ListPage<UUID>>.self) == "ListPage_ListPage_UUID__")
        #expect(name(Box<Int>.self) == "Box_Int_")
        #expect(hiddenTypeName == "Hidden")
        #expect(hiddenListName == "ListPage_Hidden_")
        struct Local {}
        #expect(name(Local.self) == "SchemaReflectorTests.Local")  // a local type keeps its enclosing type
        let legal = /^[A-Za-z0-9._-]+$/
        for type in [ListPage<[String: Int?]>.self, Tagged<(Int, label: String)>.self, Local.self] as [Any.Type] {
            #expect(name(type).wholeMatch(of: legal) != nil, "\(name(type))")
        }
    }
}

@Suite struct SchemaReflectionFailureTests {
    @Test func plainRawEnumFailsNamingTheEnum() throws {
        var reflector = SchemaReflector()
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: HoldsPlainKind.self) }
        #expect(error.typeName == "PlatformCoreTests.PlainKind")
        guard case .initializerFailed(let underlying) = error.reason else { Issue.record("\(error.reason)"); return }
        #expect(underlying is DecodingError)
        #expect(error.description.contains("PlatformCoreTests.PlainKind"))
        #expect(reflector.components.schemas.isEmpty)
    }

    @Test func throwingInitializerFailsNamingTheType() throws {
        var reflector = SchemaReflector()
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: [ValidatingCode].self) }
        #expect(error.typeName == "PlatformCoreTests.ValidatingCode")
        #expect(error.description.hasPrefix("Cannot reflect a schema for PlatformCoreTests.ValidatingCode: its init(from:) threw"))
    }

    @Test func enumWithAssociatedValuesFails() throws {
        var reflector = SchemaReflector()
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: Shape.self) }
        #expect(error.typeName == "PlatformCoreTests.Shape")
        guard case .initializerFailed = error.reason else { Issue.record("\(error.reason)"); return }
    }

    @Test func infiniteRecursionFails() throws {
        var reflector = SchemaReflector()
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: Chain.self) }
        #expect(error.typeName == "PlatformCoreTests.Chain")
        guard case .recursionWithoutBaseCase = error.reason else { Issue.record("\(error.reason)"); return }
    }

    @Test func nonStringKeyedDictionaryFails() throws {
        var reflector = SchemaReflector()
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: [Double: String].self) }
        guard case .unsupported = error.reason else { Issue.record("\(error.reason)"); return }
    }

    @Test func componentNameCollisionFails() throws {
        var reflector = SchemaReflector()
        #expect(try reflector.schema(for: Box<Int>.self) == .ref("Box_Int_"))
        let error = try #require(throws: SchemaReflectionError.self) { try reflector.schema(for: Box_Int_.self) }
        guard case .nameCollision(let component, let other) = error.reason else { Issue.record("\(error.reason)"); return }
        #expect(component == "Box_Int_")
        #expect(other == "PlatformCoreTests.Box<Swift.Int>")
    }
}
