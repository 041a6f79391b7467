import Foundation

/// One way a JSON document breaks a schema.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 JSON Pointer to the offending value: `""` is the document itself, `/items/0/id`
    /// an element property. A missing required property is reported at the path it should have.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

extension JSONSchema {
    /// Checks `value` against this schema, resolving `$ref`s in `components`.
    /// Returns no violations when the value is valid.
    ///
    /// Unknown formats are ignored; `uuid`, `date-time` (RFC 3339) and `uri` are checked.
    /// `minLength` / `maxLength` count Unicode scalars (code points), as JSON Schema specifies,
    /// so `"é"` written as e + U+0301 has length 2.
    public func validate(_ value: JSONValue, components: SchemaComponents) -> [SchemaViolation] {
        SchemaValidator(components: components).check(value, against: self, at: "", activeRefs: [])
    }
}

private struct SchemaValidator {
    let components: SchemaComponents

    /// `activeRefs` are the refs entered at this very location; meeting one again is a cycle
    /// that would never reach a value (e.g. `A = {$ref: B}`, `B = {$ref: A}`).
    func check(_ value: JSONValue, against schema: JSONSchema, at path: String, activeRefs: Set<String>) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        func fail(_ message: String, at location: String = path) {
            violations.append(SchemaViolation(path: location, message: message))
        }

        if let ref = schema.ref {
            if activeRefs.contains(ref) {
                fail("circular $ref \"\(ref)\"")
            } else if let target = components.schemas[ref] {
                violations += check(value, against: target, at: path, activeRefs: activeRefs.union([ref]))
            } else {
                fail("unresolved $ref \"\(ref)\"")
            }
        }
        if !schema.anyOf.isEmpty {
            violations += checkAnyOf(value, schema.anyOf, at: path, activeRefs: activeRefs)
        }
        if !schema.types.isEmpty, !Self.matches(value, schema.types) {
            let expected = JSONSchema.SchemaType.allCases.filter(schema.types.contains).map(\.rawValue)
            fail("expected \(expected.joined(separator: " or ")), got \(Self.typeName(of: value))")
            return violations
        }
        if let allowed = schema.enumValues, !allowed.contains(value) {
            fail("must be one of \(allowed.map(Self.render).joined(separator: ", "))")
        }

        switch value {
        case .string(let string):
            let length = string.unicodeScalars.count
            if let minLength = schema.minLength, length < minLength { fail("must be at least \(minLength) characters long") }
            if let maxLength = schema.maxLength, length > maxLength { fail("must be at most \(maxLength) characters long") }
            if let format = schema.format, let valid = Self.checkFormat(format, string), !valid {
                fail("is not a valid \(format)")
            }
        case .number(let number):
            if let minimum = schema.minimum, number < minimum { fail("must be ≥ \(Self.render(.number(minimum)))") }
            if let maximum = schema.maximum, number > maximum { fail("must be ≤ \(Self.render(.number(maximum)))") }
        case .array(let elements):
            if let minItems = schema.minItems, elements.count < minItems { fail("must have at least \(minItems) items") }
            if let maxItems = schema.maxItems, elements.count > maxItems { fail("must have at most \(maxItems) items") }
            if let items = schema.items {
                for (index, element) in elements.enumerated() {
                    violations += check(element, against: items, at: path + "/\(index)", activeRefs: [])
                }
            }
        case .object(let members):
            for name in schema.required where members[name] == nil {
                fail("required property is missing", at: Self.append(name, to: path))
            }
            for (name, propertySchema) in schema.properties {
                if let member = members[name] {
                    violations += check(member, against: propertySchema, at: Self.append(name, to: path), activeRefs: [])
                }
            }
            for name in members.keys.sorted() where schema.properties[name] == nil {
                switch schema.additionalProperties {
                case .bool(false):
                    fail("property is not allowed", at: Self.append(name, to: path))
                case .schema(let extra):
                    violations += check(members[name]!, against: extra, at: Self.append(name, to: path), activeRefs: [])
                case .bool(true), nil:
                    break
                }
            }
        case .null, .bool:
            break
        }
        return violations
    }

    /// When no branch matches and exactly one branch accepts the value's JSON type (the usual
    /// case for a nullable `$ref`), its violations are reported so the path points inside.
    private func checkAnyOf(_ value: JSONValue, _ branches: [JSONSchema], at path: String, activeRefs: Set<String>) -> [SchemaViolation] {
        var results: [[SchemaViolation]] = []
        for branch in branches {
            let violations = check(value, against: branch, at: path, activeRefs: activeRefs)
            if violations.isEmpty { return [] }
            results.append(violations)
        }
        let candidates = branches.indices.filter { admitsType(of: value, branches[$0], visited: activeRefs) }
        if candidates.count == 1 { return results[candidates[0]] }
        return [SchemaViolation(path: path, message: "does not match any of the allowed schemas")]
    }

    private func admitsType(of value: JSONValue, _ schema: JSONSchema, visited: Set<String>) -> Bool {
        if !schema.types.isEmpty, !Self.matches(value, schema.types) { return false }
        if let ref = schema.ref, !visited.contains(ref), let target = components.schemas[ref],
           !admitsType(of: value, target, visited: visited.union([ref])) {
            return false
        }
        if !schema.anyOf.isEmpty {
            return schema.anyOf.contains { admitsType(of: value, $0, visited: visited) }
        }
        return true
    }

    // MARK: Helpers

    private static func matches(_ value: JSONValue, _ types: Set<JSONSchema.SchemaType>) -> Bool {
        switch value {
        case .null: types.contains(.null)
        case .bool: types.contains(.boolean)
        case .string: types.contains(.string)
        case .array: types.contains(.array)
        case .object: types.contains(.object)
        case .number(let number):
            types.contains(.number) || (types.contains(.integer) && number.isFinite && number.rounded() == number)
        }
    }

    private static func typeName(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.rounded() == number ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// RFC 6901 escaping of one reference token.
    private static func append(_ token: String, to path: String) -> String {
        path + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let bool): return String(bool)
        case .number(let number):
            return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let string): return "\"\(string)\""
        case .array(let elements): return "[" + elements.map(render).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { "\"\($0)\":" + render(members[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// `nil` for formats that are not checked.
    private static func checkFormat(_ format: String, _ string: String) -> Bool? {
        switch format {
        case "uuid": isUUID(string)
        case "date-time": isDateTime(string)
        case "uri": isURI(string)
        default: nil
        }
    }

    private static func isUUID(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `T` and `Z` in either case.
    private static func isDateTime(_ string: String) -> Bool {
        var scanner = DigitScanner(bytes: Array(string.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2), scanner.skip("T") || scanner.skip("t"),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2), scanner.skip(":"),
              let second = scanner.number(digits: 2)
        else { return false }
        if scanner.skip(".") {
            guard scanner.number(digits: 1) != nil else { return false }
            while scanner.number(digits: 1) != nil {}
        }
        if !(scanner.skip("Z") || scanner.skip("z")) {
            guard scanner.skip("+") || scanner.skip("-"),
                  let offsetHour = scanner.number(digits: 2), scanner.skip(":"),
                  let offsetMinute = scanner.number(digits: 2),
                  offsetHour <= 23, offsetMinute <= 59
            else { return false }
        }
        let isLeapYear = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let daysInMonth = [31, isLeapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return scanner.isAtEnd
            && (1...12).contains(month) && (1...daysInMonth[month - 1]).contains(day)
            && hour <= 23 && minute <= 59 && second <= 60  // 60: leap second
    }

    /// A scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), a colon, and no characters
    /// a URI can never contain (spaces, controls, `<>"{}|\^` and backtick).
    private static func isURI(_ string: String) -> Bool {
        guard let colon = string.firstIndex(of: ":"), colon > string.startIndex else { return false }
        let scheme = string[..<colon].unicodeScalars
        guard let first = scheme.first, isASCIILetter(first),
              scheme.allSatisfy({ isASCIILetter($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) })
        else { return false }
        return !string.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || "<>\"{}|\\^`".unicodeScalars.contains($0) }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}

private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    /// Exactly `digits` decimal digits, or nil (consuming nothing).
    mutating func number(digits: Int) -> Int? {
        guard position + digits <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + digits] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        position += digits
        return value
    }
}
