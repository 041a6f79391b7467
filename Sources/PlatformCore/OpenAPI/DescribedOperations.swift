/// A route table's schemas: each operation's body, query and answer, and the components they
/// refer to. Reflection runs every type's `init(from:)` and is slow in a debug build, so each
/// distinct table is reflected once per process.
public struct DescribedOperations: Sendable {
    public let schemas: [APIOperation.Schemas]
    public let components: SchemaComponents

    public static func of(_ operations: [APIOperation]) throws -> DescribedOperations {
        try memo.value(key(operations)) {
            var reflector = SchemaReflector()
            let schemas = try operations.map { try $0.describe(&reflector) }
            return DescribedOperations(schemas: schemas, components: reflector.components)
        }
    }

    /// An operation's types follow from its method, path and access, so equal keys mean equal schemas.
    static func key(_ operations: [APIOperation]) -> String {
        operations.map { "\($0.method) \($0.path) \($0.access)" }.joined(separator: "\n")
    }

    private static let memo = Memo<String, DescribedOperations>()
}
