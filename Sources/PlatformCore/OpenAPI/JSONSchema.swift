/// The subset of JSON Schema (draft 2020-12, as used by OpenAPI 3.1) that the platform needs.
///
/// A plain value: build it with the static constructors, derive it with `SchemaReflector`,
/// render it with `jsonValue()` and check documents with `validate(_:components:)`.
public struct JSONSchema: Sendable, Equatable {
    public enum SchemaType: String, Sendable, CaseIterable {
        case string, integer, number, boolean, object, array, null
    }

    public indirect enum AdditionalProperties: Sendable, Equatable {
        case bool(Bool)
        case schema(JSONSchema)
    }

    /// Allowed instance types; empty means any type.
    public var types: Set<SchemaType>
    public var format: String?
    public var properties: Properties
    public var required: [String]
    public var additionalProperties: AdditionalProperties?
    public var items: JSONSchema? {
        get { itemsStorage.first }
        set { itemsStorage = newValue.map { [$0] } ?? [] }
    }
    /// JSON Schema `enum`.
    public var enumValues: [JSONValue]?
    /// Name of a component in `#/components/schemas/`; rendered as the full `$ref` pointer.
    public var ref: String?
    public var description: String?
    public var example: JSONValue?
    public var minimum: Double?
    public var maximum: Double?
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var anyOf: [JSONSchema]

    // An array gives the recursive `items` the indirection a struct field needs.
    private var itemsStorage: [JSONSchema] = []

    public init(
        types: Set<SchemaType> = [],
        format: String? = nil,
        properties: Properties = [:],
        required: [String] = [],
        additionalProperties: AdditionalProperties? = nil,
        items: JSONSchema? = nil,
        enumValues: [JSONValue]? = nil,
        ref: String? = nil,
        description: String? = nil,
        example: JSONValue? = nil,
        minimum: Double? = nil,
        maximum: Double? = nil,
        minLength: Int? = nil,
        maxLength: Int? = nil,
        minItems: Int? = nil,
        maxItems: Int? = nil,
        anyOf: [JSONSchema] = []
    ) {
        self.types = types
        self.format = format
        self.properties = properties
        self.required = required
        self.additionalProperties = additionalProperties
        self.enumValues = enumValues
        self.ref = ref
        self.description = description
        self.example = example
        self.minimum = minimum
        self.maximum = maximum
        self.minLength = minLength
        self.maxLength = maxLength
        self.minItems = minItems
        self.maxItems = maxItems
        self.anyOf = anyOf
        self.items = items
    }
}

// MARK: - Constructors and transforms

extension JSONSchema {
    /// `{}`: accepts any JSON value.
    public static var any: JSONSchema { JSONSchema() }
    public static var integer: JSONSchema { JSONSchema(types: [.integer]) }
    public static var number: JSONSchema { JSONSchema(types: [.number]) }
    public static var boolean: JSONSchema { JSONSchema(types: [.boolean]) }
    public static var null: JSONSchema { JSONSchema(types: [.null]) }

    public static func string(format: String? = nil) -> JSONSchema {
        JSONSchema(types: [.string], format: format)
    }

    /// `{"type":"string","enum":[...]}`.
    public static func stringEnum(_ values: [String]) -> JSONSchema {
        JSONSchema(types: [.string], enumValues: values.map(JSONValue.string))
    }

    public static func object(
        _ properties: Properties = [:],
        required: [String] = [],
        additionalProperties: AdditionalProperties? = nil
    ) -> JSONSchema {
        JSONSchema(types: [.object], properties: properties, required: required,
                   additionalProperties: additionalProperties)
    }

    public static func array(of items: JSONSchema) -> JSONSchema {
        JSONSchema(types: [.array], items: items)
    }

    /// A reference to `#/components/schemas/<name>`.
    public static func ref(_ name: String) -> JSONSchema {
        JSONSchema(ref: name)
    }

    public static func anyOf(_ schemas: [JSONSchema]) -> JSONSchema {
        JSONSchema(anyOf: schemas)
    }

    /// The same schema, also accepting `null`.
    ///
    /// Adds `"null"` to `type` (and to `enum`, which would otherwise still reject it);
    /// a `$ref` or `anyOf` schema becomes / gains an `anyOf` branch `{"type":"null"}`.
    public var nullable: JSONSchema {
        if ref != nil {
            return .anyOf([self, .null])
        }
        var copy = self
        if !types.isEmpty {
            copy.types.insert(.null)
        } else if !anyOf.isEmpty {
            if !anyOf.contains(.null) { copy.anyOf.append(.null) }
            return copy
        }
        if let values = enumValues, !values.contains(.null) {
            copy.enumValues = values + [.null]
        }
        return copy
    }

    public func described(_ text: String) -> JSONSchema {
        var copy = self
        copy.description = text
        return copy
    }
}

// MARK: - Rendering

extension JSONSchema {
    public static let componentPrefix = "#/components/schemas/"

    /// The schema as JSON Schema; `type` is a string for one type, else an array in
    /// `SchemaType.allCases` order. Empty `required` / `properties` / `anyOf` are omitted.
    public func jsonValue() -> JSONValue {
        var out: [String: JSONValue] = [:]
        if let ref { out["$ref"] = .string(Self.componentPrefix + ref) }
        let ordered = SchemaType.allCases.filter(types.contains)
        if ordered.count == 1 {
            out["type"] = .string(ordered[0].rawValue)
        } else if !ordered.isEmpty {
            out["type"] = .array(ordered.map { .string($0.rawValue) })
        }
        if let format { out["format"] = .string(format) }
        if !properties.isEmpty {
            out["properties"] = .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.schema.jsonValue()) }))
        }
        if !required.isEmpty { out["required"] = .array(required.map(JSONValue.string)) }
        switch additionalProperties {
        case .bool(let allowed): out["additionalProperties"] = .bool(allowed)
        case .schema(let schema): out["additionalProperties"] = schema.jsonValue()
        case nil: break
        }
        if let items { out["items"] = items.jsonValue() }
        if let enumValues { out["enum"] = .array(enumValues) }
        if let description { out["description"] = .string(description) }
        if let example { out["example"] = example }
        if let minimum { out["minimum"] = .number(minimum) }
        if let maximum { out["maximum"] = .number(maximum) }
        if let minLength { out["minLength"] = .number(Double(minLength)) }
        if let maxLength { out["maxLength"] = .number(Double(maxLength)) }
        if let minItems { out["minItems"] = .number(Double(minItems)) }
        if let maxItems { out["maxItems"] = .number(Double(maxItems)) }
        if !anyOf.isEmpty { out["anyOf"] = .array(anyOf.map { $0.jsonValue() }) }
        return .object(out)
    }
}

// MARK: - Properties

extension JSONSchema {
    /// Object properties in declaration order (a dictionary literal keeps its written order).
    /// Equality is order-sensitive.
    public struct Properties: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
        public private(set) var names: [String] = []
        private var schemas: [String: JSONSchema] = [:]

        public init() {}

        public init(dictionaryLiteral elements: (String, JSONSchema)...) {
            for (name, schema) in elements { self[name] = schema }
        }

        /// Setting a new name appends it; setting `nil` removes it.
        public subscript(name: String) -> JSONSchema? {
            get { schemas[name] }
            set {
                switch (schemas[name], newValue) {
                case (nil, .some): names.append(name)
                case (.some, nil): names.removeAll { $0 == name }
                default: break
                }
                schemas[name] = newValue
            }
        }

        public var startIndex: Int { names.startIndex }
        public var endIndex: Int { names.endIndex }

        public subscript(position: Int) -> (name: String, schema: JSONSchema) {
            (names[position], schemas[names[position]]!)
        }
    }
}

// MARK: - Components

/// The `#/components/schemas` section: named schemas that `$ref`s point to.
public struct SchemaComponents: Sendable, Equatable {
    public var schemas: [String: JSONSchema]

    public init(schemas: [String: JSONSchema] = [:]) {
        self.schemas = schemas
    }

    /// `{"<name>": <schema>, ...}`, ready to be placed under `components.schemas`.
    public func jsonValue() -> JSONValue {
        .object(schemas.mapValues { $0.jsonValue() })
    }
}
