import PlatformCore
import Testing

@Suite struct JSONSchemaTests {
    @Test func nullableTransform() {
        #expect(JSONSchema.string().nullable == JSONSchema(types: [.string, .null]))
        #expect(JSONSchema.string().nullable.nullable == JSONSchema.string().nullable)
        #expect(JSONSchema.ref("A").nullable == .anyOf([.ref("A"), .null]))
        #expect(JSONSchema.any.nullable == .any)
        #expect(JSONSchema.stringEnum(["a"]).nullable.enumValues == [.string("a"), .null])
        #expect(JSONSchema.anyOf([.integer, .string()]).nullable == .anyOf([.integer, .string(), .null]))
        #expect(JSONSchema.anyOf([.integer, .null]).nullable == .anyOf([.integer, .null]))
    }

    @Test func rendering() throws {
        let schema = JSONSchema.object(
            ["id": .integer.described("Row id"), "names": JSONSchema(types: [.array], items: .string(), minItems: 1, maxItems: 3)],
            required: ["id"],
            additionalProperties: .schema(.boolean))
        #expect(schema.jsonValue() == (try json(#"""
        {"type": "object", "required": ["id"], "additionalProperties": {"type": "boolean"},
         "properties": {"id": {"type": "integer", "description": "Row id"},
                        "names": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3}}}
        """#)))
        // Several types render as an array in a fixed order, whatever order they were given in.
        #expect(JSONSchema(types: [.null, .integer, .string]).jsonValue() == (try json(#"{"type": ["string", "integer", "null"]}"#)))
        #expect(JSONSchema.ref("ListPage_A_").jsonValue() == (try json(##"{"$ref": "#/components/schemas/ListPage_A_"}"##)))
        #expect(JSONSchema(types: [.number], example: .number(2.5), minimum: 0, maximum: 10).jsonValue()
            == (try json(#"{"type": "number", "example": 2.5, "minimum": 0, "maximum": 10}"#)))
        #expect(JSONSchema.any.jsonValue() == .object([:]))
        #expect(SchemaComponents(schemas: ["A": .integer]).jsonValue() == (try json(#"{"A": {"type": "integer"}}"#)))
    }

    @Test func propertiesKeepOrder() {
        var properties: JSONSchema.Properties = ["z": .integer, "a": .string(), "m": .boolean]
        #expect(properties.names == ["z", "a", "m"])
        #expect(properties.map(\.name) == ["z", "a", "m"])
        properties["b"] = .number
        properties["a"] = nil
        properties["z"] = .string()
        #expect(properties.names == ["z", "m", "b"])
        #expect(properties["z"] == .string())
        let reordered: JSONSchema.Properties = ["m": .boolean, "z": .string(), "b": .number]
        #expect(properties != reordered)
    }
}
