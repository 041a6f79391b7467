import Foundation
import HTTPTypes

/// What each operation promises to answer, in a form responses can be checked against: tests
/// check every response they see, so a handler cannot drift from its documented schema or codes.
public struct APIContract: Sendable {
    struct Entry: Sendable {
        let operation: APIOperation
        let segments: [Substring]
        let output: OutputDescription
    }

    let entries: [Entry]
    public let components: SchemaComponents

    public init(_ operations: [APIOperation]) throws {
        let described = try DescribedOperations.of(operations)
        entries = zip(operations, described.schemas).map { operation, schemas in
            Entry(operation: operation, segments: operation.path.split(separator: "/"), output: schemas.output)
        }
        components = described.components
    }

    /// The operation a request reached, if any route matches it.
    public func operation(_ method: HTTPRequest.Method, _ path: String) -> APIOperation? {
        entry(method, path)?.operation
    }

    /// Every way the response breaks the operation's contract; empty when it keeps it (or when no
    /// operation matches: an unknown route's 404 is the router's).
    public func violations(
        method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, contentType: String?, body: [UInt8]
    ) -> [String] {
        guard let entry = entry(method, path) else { return [] }
        let operation = entry.operation
        let label = "\(method) \(operation.path) → \(status.code)"
        if status == operation.status {
            switch entry.output {
            case .empty:
                return body.isEmpty ? [] : ["\(label): expected no body"]
            case .text(let expected):
                var type = expected.split(separator: ";").first.map(String.init) ?? expected
                if type.hasSuffix("/*") { type.removeLast() }
                return type == "*/" || contentType?.hasPrefix(type) == true ? [] : ["\(label): content type \(contentType ?? "none"), expected \(type)"]
            case .json(let schema, _):
                guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return ["\(label): body is not JSON"] }
                return schema.validate(json, components: components).map { "\(label): \($0)" }
            }
        }
        let codes = operation.errors.filter { $0.status == status }.map(\.code)
        guard !codes.isEmpty else { return ["\(label): status not documented"] }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)),
              let code = json["error"]?["code"]?.stringValue, json["error"]?["message"]?.stringValue != nil
        else { return ["\(label): not an error envelope"] }
        return codes.contains(code) ? [] : ["\(label): error code \(code) is not documented (documented: \(codes.joined(separator: ", ")))"]
    }

    private func entry(_ method: HTTPRequest.Method, _ path: String) -> Entry? {
        let requested = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        // `/things/trash` beats `/things/{thing_id}`: the fewest parameters win.
        return entries.filter { entry in
            entry.operation.method == method && entry.segments.count == requested.count
                && zip(entry.segments, requested).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.min { $0.operation.pathParameters.count < $1.operation.pathParameters.count }
    }
}
