import Foundation

/// A type that states its own schema instead of being reflected. The reflector checks this
/// before anything else, for top-level types, properties and elements alike.
public protocol SchemaDescribed {
    static var jsonSchema: JSONSchema { get }
    /// Any valid value; handed to the `init(from:)` being reflected in place of a decoded one.
    static var schemaPlaceholder: Self { get }
}

/// A string enum rendered as `{"type":"string","enum":[<raw values in case order>]}`.
public protocol SchemaEnum: CaseIterable, RawRepresentable, Codable, Sendable, SchemaDescribed
where RawValue == String {}

extension SchemaEnum {
    public static var jsonSchema: JSONSchema { .stringEnum(allCases.map(\.rawValue)) }

    public static var schemaPlaceholder: Self {
        guard let first = allCases.first else { preconditionFailure("SchemaEnum \(Self.self) has no cases") }
        return first
    }
}

extension CodingUserInfoKey {
    /// Set (to `true`) in `decoder.userInfo` while `SchemaReflector` runs an `init(from:)`,
    /// for the rare initializer that must skip a check the placeholder values would fail.
    public static let schemaReflection = CodingUserInfoKey(rawValue: "PlatformCore.schemaReflection")!
}

public struct SchemaReflectionError: Error, CustomStringConvertible {
    public enum Reason: Sendable {
        /// The type's `init(from:)` threw when fed placeholder values.
        case initializerFailed(any Error)
        /// Building a value needs a value of the same type (e.g. a class with a non-optional
        /// property of its own type): no finite placeholder exists.
        case recursionWithoutBaseCase
        case unsupported(String)
        /// Another type already uses this component name.
        case nameCollision(component: String, otherType: String)
    }

    /// `String(reflecting:)` of the type that could not be reflected.
    public let typeName: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .initializerFailed(let error):
            "Cannot reflect a schema for \(typeName): its init(from:) threw on placeholder values (\(error)). "
                + "Move validation out of init(from:), or adopt SchemaEnum / SchemaDescribed."
        case .recursionWithoutBaseCase:
            "Cannot reflect a schema for \(typeName): a placeholder value would need a value of the same type; "
                + "make the recursive property optional or an array, or adopt SchemaDescribed."
        case .unsupported(let why):
            "Cannot reflect a schema for \(typeName): \(why)."
        case .nameCollision(let component, let otherType):
            "Cannot reflect a schema for \(typeName): component name \"\(component)\" is already used by \(otherType)."
        }
    }
}

/// Derives JSON Schemas from `Decodable` types by running their own `init(from:)` against a
/// recording decoder that hands out placeholder values.
///
/// Keyed types (structs, classes) become components and are returned as `$ref`s; scalars,
/// arrays, dictionaries and `SchemaDescribed` types are returned inline. A key read with
/// `decode` is required; one probed with `contains` is optional; one probed with
/// `decodeNil(forKey:)` is nullable; `decodeIfPresent` is both (so is `Patch`, which probes
/// with both). Reflected objects set `additionalProperties: false`. The schemas describe what
/// Foundation's `JSONEncoder` writes with `.iso8601` dates, `.base64` data and default keys.
///
/// Cannot be reflected (fails with `SchemaReflectionError`, adopt `SchemaDescribed` instead):
/// an `init(from:)` that rejects placeholder values (`""`, `0`, `false`, epoch, nil UUID,
/// empty collections, first enum case), e.g. plain `RawRepresentable` enums; enums with
/// associated values (they inspect `allKeys`); dictionaries keyed by anything but String/Int;
/// a type that can only be built from a value of itself. Not visible to reflection: branches
/// taken only when a key is absent or null, and keys that are only probed, never read.
public struct SchemaReflector: Sendable {
    public private(set) var components = SchemaComponents()
    /// Component name → `String(reflecting:)` of the type registered under it.
    private var owners: [String: String] = [:]

    public init() {}

    /// Returns the schema for `type`, registering every keyed type it reaches as a component.
    /// On error nothing is registered.
    public mutating func schema<T: Decodable>(for type: T.Type) throws -> JSONSchema {
        let context = ReflectionContext(components: components, owners: owners)
        let schema = try context.schema(for: type)
        components = context.components
        owners = context.owners
        return schema
    }

    /// The component name of a type: `String(reflecting:)` with the module dropped from every
    /// qualified name (also inside generic arguments), `(unknown context at $…)` segments of
    /// private/local types removed, `<`, `>` and `,` replaced by `_`, spaces dropped, and any
    /// other character outside `[A-Za-z0-9._-]` replaced by `_`. So `App.Outer.Inner` →
    /// `Outer.Inner`, `App.ListPage<App.Outer.Record>` → `ListPage_Outer.Record_`,
    /// `App.Page<Swift.Array<Swift.Int>>` → `Page_Array_Int__`.
    public static func componentName(for type: Any.Type) -> String {
        var text = String(reflecting: type)
        while let range = text.range(of: #"\(unknown context at \$[0-9a-fA-F]+\)\."#, options: .regularExpression) {
            text.removeSubrange(range)
        }
        var name = ""
        var index = text.startIndex
        var atQualifiedNameStart = true
        while index < text.endIndex {
            if atQualifiedNameStart {
                atQualifiedNameStart = false
                let end = text[index...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? text.endIndex
                if end > index, end < text.endIndex, text[end] == "." {
                    index = text.index(after: end)  // drop "Module."
                    continue
                }
            }
            let character = text[index]
            if "<>(),:[] ".contains(character) { atQualifiedNameStart = true }
            switch character {
            case " ": break
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": name.append(character)
            default: name.append("_")
            }
            index = text.index(after: index)
        }
        return name
    }
}

// MARK: - Reflection state

private final class ReflectionContext {
    var components: SchemaComponents
    var owners: [String: String]
    private var finished: [ObjectIdentifier: (schema: JSONSchema, placeholder: Any)] = [:]
    private var inProgress: Set<ObjectIdentifier> = []
    private var buildingPlaceholder: Set<ObjectIdentifier> = []
    private var referencedWhileInProgress: Set<ObjectIdentifier> = []

    init(components: SchemaComponents, owners: [String: String]) {
        self.components = components
        self.owners = owners
    }

    func schema<T: Decodable>(for type: T.Type) throws -> JSONSchema {
        try resolve(type, needsValue: false).schema
    }

    func placeholder<T: Decodable>(for type: T.Type) throws -> (schema: JSONSchema, value: T) {
        let (schema, value) = try resolve(type, needsValue: true)
        guard let value else {
            throw SchemaReflectionError(typeName: String(reflecting: type), reason: .recursionWithoutBaseCase)
        }
        return (schema, value)
    }

    private func resolve<T: Decodable>(_ type: T.Type, needsValue: Bool) throws -> (schema: JSONSchema, value: T?) {
        if let described = type as? any SchemaDescribed.Type {
            return (described.jsonSchema, described.schemaPlaceholder as? T)
        }
        if let leaf = type as? any SchemaLeaf.Type {
            return (leaf.leafSchema, leaf.leafPlaceholder as? T)
        }
        if let wrapper = type as? any SchemaWrapper.Type {
            let (schema, value) = try wrapper.reflect(in: self)
            return (schema, value as? T)
        }
        return try reflectByDecoding(type, needsValue: needsValue)
    }

    private func reflectByDecoding<T: Decodable>(_ type: T.Type, needsValue: Bool) throws -> (schema: JSONSchema, value: T?) {
        let id = ObjectIdentifier(type)
        if let done = finished[id] {
            return (done.schema, done.placeholder as? T)
        }
        let name = SchemaReflector.componentName(for: type)
        if inProgress.contains(id) {
            // Recursion: refer to the component being built. If a value is needed too, run
            // init(from:) once more, discarding what it records; its own nested requests for
            // this type then only need the schema (or fail if they need a value again).
            referencedWhileInProgress.insert(id)
            guard needsValue, !buildingPlaceholder.contains(id) else { return (.ref(name), nil) }
            buildingPlaceholder.insert(id)
            defer { buildingPlaceholder.remove(id) }
            return (.ref(name), try decodePlaceholder(type, into: RecordingNode()))
        }

        inProgress.insert(id)
        defer { inProgress.remove(id) }
        let node = RecordingNode()
        let value = try decodePlaceholder(type, into: node)
        let schema: JSONSchema
        if node.shape == .keyed {
            try register(node.schema(), named: name, for: type)
            schema = .ref(name)
        } else if referencedWhileInProgress.contains(id) {
            throw SchemaReflectionError(typeName: String(reflecting: type),
                                        reason: .unsupported("a recursive type must decode through a keyed container"))
        } else {
            schema = node.schema()
        }
        finished[id] = (schema, value)
        return (schema, value)
    }

    private func decodePlaceholder<T: Decodable>(_ type: T.Type, into node: RecordingNode) throws -> T {
        do {
            return try T(from: RecordingDecoder(context: self, node: node, codingPath: []))
        } catch let error as SchemaReflectionError {
            throw error
        } catch {
            throw SchemaReflectionError(typeName: String(reflecting: type), reason: .initializerFailed(error))
        }
    }

    private func register(_ schema: JSONSchema, named name: String, for type: Any.Type) throws {
        let typeName = String(reflecting: type)
        if let owner = owners[name], owner != typeName {
            throw SchemaReflectionError(typeName: typeName, reason: .nameCollision(component: name, otherType: owner))
        }
        owners[name] = typeName
        components.schemas[name] = schema
    }
}

// MARK: - Leaf and wrapper types

/// Types with a fixed schema whose own `Decodable` must not be run (URL and Data decode
/// differently from how `JSONEncoder` writes them, Date's single Double is not the ISO form).
private protocol SchemaLeaf {
    static var leafSchema: JSONSchema { get }
    static var leafPlaceholder: Self { get }
}

extension String: SchemaLeaf {
    static var leafSchema: JSONSchema { .string() }
    static var leafPlaceholder: String { "" }
}

extension Bool: SchemaLeaf {
    static var leafSchema: JSONSchema { .boolean }
    static var leafPlaceholder: Bool { false }
}

extension Double: SchemaLeaf {
    static var leafSchema: JSONSchema { .number }
    static var leafPlaceholder: Double { 0 }
}

extension Float: SchemaLeaf {
    static var leafSchema: JSONSchema { .number }
    static var leafPlaceholder: Float { 0 }
}

extension Decimal: SchemaLeaf {
    static var leafSchema: JSONSchema { .number }
    static var leafPlaceholder: Decimal { 0 }
}

/// Widths up to 32 bits get their exact bounds; 64-bit unsigned ones only `minimum: 0`
/// (the bounds of Int64 are not exactly representable as a JSON double).
extension SchemaLeaf where Self: FixedWidthInteger {
    static var leafSchema: JSONSchema {
        var schema = JSONSchema.integer
        if bitWidth <= 32 {
            schema.minimum = Double(min)
            schema.maximum = Double(max)
        } else if !isSigned {
            schema.minimum = 0
        }
        return schema
    }

    static var leafPlaceholder: Self { 0 }
}

extension Int: SchemaLeaf {}
extension Int8: SchemaLeaf {}
extension Int16: SchemaLeaf {}
extension Int32: SchemaLeaf {}
extension Int64: SchemaLeaf {}
extension UInt: SchemaLeaf {}
extension UInt8: SchemaLeaf {}
extension UInt16: SchemaLeaf {}
extension UInt32: SchemaLeaf {}
extension UInt64: SchemaLeaf {}

extension UUID: SchemaLeaf {
    static var leafSchema: JSONSchema { .string(format: "uuid") }
    static var leafPlaceholder: UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }
}

extension Date: SchemaLeaf {
    static var leafSchema: JSONSchema { .string(format: "date-time") }
    static var leafPlaceholder: Date { Date(timeIntervalSince1970: 0) }
}

extension URL: SchemaLeaf {
    static var leafSchema: JSONSchema { .string(format: "uri") }
    static var leafPlaceholder: URL { URL(string: "https://example.com")! }
}

extension Data: SchemaLeaf {
    static var leafSchema: JSONSchema { .string(format: "byte") }
    static var leafPlaceholder: Data { Data() }
}

extension JSONValue: SchemaLeaf {
    static var leafSchema: JSONSchema { .any }
    static var leafPlaceholder: JSONValue { .null }
}

/// Generic containers: their schema comes from the element type alone and their placeholder
/// is empty, so recursion through them never needs an element value.
private protocol SchemaWrapper {
    static func reflect(in context: ReflectionContext) throws -> (schema: JSONSchema, value: Self)
}

extension Optional: SchemaWrapper where Wrapped: Decodable {
    fileprivate static func reflect(in context: ReflectionContext) throws -> (schema: JSONSchema, value: Self) {
        (try context.schema(for: Wrapped.self).nullable, nil)
    }
}

extension Array: SchemaWrapper where Element: Decodable {
    fileprivate static func reflect(in context: ReflectionContext) throws -> (schema: JSONSchema, value: Self) {
        (.array(of: try context.schema(for: Element.self)), [])
    }
}

extension Set: SchemaWrapper where Element: Decodable {
    fileprivate static func reflect(in context: ReflectionContext) throws -> (schema: JSONSchema, value: Self) {
        (.array(of: try context.schema(for: Element.self)), [])
    }
}

extension Dictionary: SchemaWrapper where Key: Decodable, Value: Decodable {
    fileprivate static func reflect(in context: ReflectionContext) throws -> (schema: JSONSchema, value: Self) {
        // JSONEncoder writes String- and Int-keyed dictionaries as objects, any other as an array.
        guard Key.self == String.self || Key.self == Int.self else {
            throw SchemaReflectionError(typeName: String(reflecting: Self.self),
                                        reason: .unsupported("only String- or Int-keyed dictionaries are JSON objects"))
        }
        let valueSchema = try context.schema(for: Value.self)
        return (.object(additionalProperties: .schema(valueSchema)), [:])
    }
}

// MARK: - Recording decoder

/// What one `init(from:)` (or nested container) asked for.
private final class RecordingNode {
    enum Shape { case unknown, keyed, unkeyed, single }

    enum Slot {
        case schema(JSONSchema)
        case node(RecordingNode)

        var schema: JSONSchema {
            switch self {
            case .schema(let schema): schema
            case .node(let node): node.schema()
            }
        }
    }

    struct Field {
        var slot: Slot?
        var probed = false    // contains(_:) or decodeIfPresent: the key may be absent
        var nullable = false  // decodeNil(forKey:) or decodeIfPresent: the value may be null
    }

    var shape = Shape.unknown
    var fieldOrder: [String] = []
    var fields: [String: Field] = [:]
    var elements: [Slot] = []  // unkeyed elements, or the single value
    var nullable = false       // decodeNil() on an unkeyed or single-value container

    func claim(_ shape: Shape, codingPath: [any CodingKey]) throws {
        if self.shape == .unknown { self.shape = shape }
        guard self.shape == shape else {
            throw DecodingError.typeMismatch(Any.self, .init(
                codingPath: codingPath,
                debugDescription: "the same value was read as both a \(self.shape) and a \(shape) container"))
        }
    }

    func updateField(_ key: String, _ change: (inout Field) -> Void) {
        if fields[key] == nil {
            fieldOrder.append(key)
            fields[key] = Field()
        }
        change(&fields[key]!)
    }

    func record(_ schema: JSONSchema, forKey key: String) {
        updateField(key) { if $0.slot == nil { $0.slot = .schema(schema) } }
    }

    func child(forKey key: String) -> RecordingNode {
        if case .node(let node)? = fields[key]?.slot { return node }
        let node = RecordingNode()
        updateField(key) { $0.slot = .node(node) }
        return node
    }

    func schema() -> JSONSchema {
        switch shape {
        case .unknown:
            return .any
        case .keyed:
            var properties = JSONSchema.Properties()
            var required: [String] = []
            for key in fieldOrder {
                let field = fields[key]!
                guard var schema = field.slot?.schema ?? (field.nullable ? .null : nil) else { continue }
                if field.nullable { schema = schema.nullable }
                properties[key] = schema
                if !field.probed { required.append(key) }
            }
            return .object(properties, required: required, additionalProperties: .bool(false))
        case .unkeyed:
            var items: [JSONSchema] = []
            for schema in elements.map(\.schema) where !items.contains(schema) { items.append(schema) }
            var schema = JSONSchema(types: [.array])
            if items.count == 1 { schema.items = items[0] }
            if items.count > 1 { schema.items = .anyOf(items) }
            if nullable { schema.items = (schema.items ?? .any).nullable }
            return schema
        case .single:
            guard let value = elements.first?.schema else { return nullable ? .null : .any }
            return nullable ? value.nullable : value
        }
    }
}

private struct RecorderCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

private struct RecordingDecoder: Decoder {
    let context: ReflectionContext
    let node: RecordingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [.schemaReflection: true] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try node.claim(.keyed, codingPath: codingPath)
        return KeyedDecodingContainer(KeyedRecorder(context: context, node: node, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try node.claim(.unkeyed, codingPath: codingPath)
        return UnkeyedRecorder(context: context, node: node, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try node.claim(.single, codingPath: codingPath)
        return SingleValueRecorder(context: context, node: node, codingPath: codingPath)
    }
}

/// Every key "exists" and is never null, so the code under reflection reads all of them.
/// `allKeys` is empty: code that iterates it (enums with associated values) records nothing.
/// The generic `decode`s also witness the per-primitive requirements.
private struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let context: ReflectionContext
    let node: RecordingNode
    let codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool {
        node.updateField(key.stringValue) { $0.probed = true }
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        node.updateField(key.stringValue) { $0.nullable = true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (schema, value) = try context.placeholder(for: type)
        node.record(schema, forKey: key.stringValue)
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let schema = try context.schema(for: type)
        node.updateField(key.stringValue) { $0.probed = true; $0.nullable = true }
        node.record(schema, forKey: key.stringValue)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try RecordingDecoder(context: context, node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try RecordingDecoder(context: context, node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
            .unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        RecordingDecoder(context: context, node: node.child(forKey: "super"), codingPath: codingPath + [RecorderCodingKey(stringValue: "super")])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        RecordingDecoder(context: context, node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

/// Claims to hold exactly one element, so a `while !isAtEnd` loop records the element type once.
private struct UnkeyedRecorder: UnkeyedDecodingContainer {
    let context: ReflectionContext
    let node: RecordingNode
    let codingPath: [any CodingKey]
    var count: Int? { nil }
    var isAtEnd: Bool { currentIndex > 0 }
    private(set) var currentIndex = 0

    init(context: ReflectionContext, node: RecordingNode, codingPath: [any CodingKey]) {
        self.context = context
        self.node = node
        self.codingPath = codingPath
    }

    mutating func decodeNil() throws -> Bool {
        node.nullable = true
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try context.placeholder(for: type)
        node.elements.append(.schema(schema))
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        nextDecoder()
    }

    private mutating func nextDecoder() -> RecordingDecoder {
        let child = RecordingNode()
        node.elements.append(.node(child))
        defer { currentIndex += 1 }
        return RecordingDecoder(context: context, node: child, codingPath: codingPath + [RecorderCodingKey(intValue: currentIndex)])
    }
}

private struct SingleValueRecorder: SingleValueDecodingContainer {
    let context: ReflectionContext
    let node: RecordingNode
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        node.nullable = true
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try context.placeholder(for: type)
        if node.elements.isEmpty { node.elements.append(.schema(schema)) }
        return value
    }
}
