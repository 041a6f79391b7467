import Foundation
import NIOCore

/// A `multipart/form-data` body (RFC 7578, RFC 2046 §5.1), parsed from the whole body at once: the
/// caller collects the body first, under a size limit of its own, and each part's data is a copy of
/// its bytes. Line endings are CRLF; header lines (and the line ending after a boundary) may also end
/// in a bare LF, which some hand-written clients send.
public struct MultipartForm: Sendable {
    public struct Part: Sendable, Equatable {
        public let name: String
        /// Present (possibly empty, when a browser sends an empty file input) only for file parts.
        public let filename: String?
        public let contentType: String?
        public let data: [UInt8]

        public init(name: String, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public static let defaultMaxParts = 20

    public let parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// The first part of that name that is a file (has a `filename`).
    public func file(named name: String) -> Part? {
        parts.first { $0.name == name && $0.filename != nil }
    }

    /// The first plain field of that name, as UTF-8 text.
    public func value(named name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// `contentType`: the request's Content-Type header, which carries the boundary.
    public static func parse(_ body: ByteBuffer, contentType: String, maxParts: Int = defaultMaxParts) throws(MultipartError) -> MultipartForm {
        try parse(Array(body.readableBytesView), contentType: contentType, maxParts: maxParts)
    }

    /// `contentType`: the request's Content-Type header, which carries the boundary.
    public static func parse(_ body: [UInt8], contentType: String, maxParts: Int = defaultMaxParts) throws(MultipartError) -> MultipartForm {
        let boundary = try boundary(in: contentType)
        let delimiter = DelimiterSearch(needle: Array("\r\n--".utf8) + boundary)
        let dashBoundaryCount = delimiter.needle.count - 2

        // The first boundary may open the body, without the CRLF that belongs to every later one.
        var position: Int
        if body.starts(with: delimiter.needle.dropFirst(2)) {
            position = dashBoundaryCount
        } else if let first = delimiter.firstIndex(in: body, from: 0) {
            position = first + delimiter.needle.count
        } else {
            throw .malformed("no opening boundary")
        }

        var parts: [Part] = []
        while true {
            // `position` is just past a boundary: "--" closes the body (any epilogue is ignored),
            // otherwise optional padding and a line ending come before the next part's headers.
            if body[position...].starts(with: [dash, dash]) { break }
            while position < body.count, body[position] == space || body[position] == tab { position += 1 }
            if body[position...].starts(with: [cr, lf]) {
                position += 2
            } else if body[position...].starts(with: [lf]) {
                position += 1
            } else {
                throw MultipartError.malformed(position == body.count ? "no closing boundary" : "text after a boundary")
            }
            guard parts.count < maxParts else { throw .tooManyParts(limit: maxParts) }

            let (headers, dataStart) = try readHeaders(body, from: position)
            guard let dataEnd = delimiter.firstIndex(in: body, from: dataStart) else {
                throw .malformed("no closing boundary")
            }
            parts.append(try part(headers: headers, data: Array(body[dataStart..<dataEnd])))
            position = dataEnd + delimiter.needle.count
        }
        return MultipartForm(parts: parts)
    }

    private static func boundary(in contentType: String) throws(MultipartError) -> [UInt8] {
        let header = HeaderValue(contentType)
        guard header.value.lowercased() == "multipart/form-data" else { throw .notMultipart }
        guard let boundary = header.parameters["boundary"], !boundary.isEmpty else { throw .missingBoundary }
        let bytes = Array(boundary.utf8)
        guard bytes.count <= 70, bytes.allSatisfy(isBoundaryCharacter), bytes.last != space else {
            throw .malformed("the boundary is not 1 to 70 permitted characters")
        }
        return bytes
    }

    /// RFC 2046's `bchars`.
    private static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        default:
            Array("'()+_,-./:=? ".utf8).contains(byte)
        }
    }

    private static let maxHeaderBytes = 16 * 1024

    /// Header names lowercased; returns them with the index just past the blank line that ends them.
    private static func readHeaders(_ body: [UInt8], from start: Int) throws(MultipartError) -> ([String: String], Int) {
        var headers: [String: String] = [:]
        var lastName: String?
        var lineStart = start
        while true {
            guard let lineFeed = body[lineStart...].firstIndex(of: lf), lineFeed - start <= maxHeaderBytes else {
                throw .malformed("unterminated part headers")
            }
            var line = body[lineStart..<lineFeed]
            if line.last == cr { line = line.dropLast() }
            lineStart = lineFeed + 1
            if line.isEmpty { return (headers, lineStart) }

            if line.first == space || line.first == tab {
                // An obsolete folded line continues the previous header.
                guard let name = lastName, let value = headers[name] else { throw .malformed("a part header starts with a space") }
                headers[name] = value + " " + trimmed(line)
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("a part header has no colon") }
            let name = trimmed(line[..<colon]).lowercased()
            if headers[name] == nil { headers[name] = trimmed(line[(colon + 1)...]) }
            lastName = name
        }
    }

    private static func part(headers: [String: String], data: [UInt8]) throws(MultipartError) -> Part {
        guard let disposition = headers["content-disposition"].map(HeaderValue.init),
              disposition.value.lowercased() == "form-data",
              let name = disposition.parameters["name"]
        else { throw .malformed("a part has no form-data Content-Disposition with a name") }
        let filename = disposition.parameters["filename*"].flatMap(decodeExtendedValue) ?? disposition.parameters["filename"]
        let contentType = headers["content-type"].flatMap { $0.isEmpty ? nil : $0 }
        return Part(name: name, filename: filename, contentType: contentType, data: data)
    }

    /// RFC 5987's `charset'language'percent-encoded`, for UTF-8 only; anything else is ignored in
    /// favour of the plain `filename`.
    private static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        var bytes: [UInt8] = []
        var iterator = Array(pieces[2].utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

public enum MultipartError: Error, Equatable, Sendable {
    /// The Content-Type is not `multipart/form-data`.
    case notMultipart
    case missingBoundary
    case malformed(String)
    case tooManyParts(limit: Int)
}

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
private let dash = UInt8(ascii: "-")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")
private let semicolon = UInt8(ascii: ";")

private func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
    let isSpace = { (byte: UInt8) in byte == space || byte == tab }
    guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(decoding: bytes[first...last], as: UTF8.self)
}

/// Knuth–Morris–Pratt, so that finding every boundary in a body takes one pass over it whatever the
/// data looks like: each search starts where the previous match ended.
private struct DelimiterSearch {
    let needle: [UInt8]
    private let fallback: [Int]

    init(needle: [UInt8]) {
        precondition(!needle.isEmpty)
        self.needle = needle
        var fallback = [Int](repeating: 0, count: needle.count)
        var matched = 0
        for index in 1..<needle.count {
            while matched > 0, needle[index] != needle[matched] { matched = fallback[matched - 1] }
            if needle[index] == needle[matched] { matched += 1 }
            fallback[index] = matched
        }
        self.fallback = fallback
    }

    func firstIndex(in haystack: [UInt8], from start: Int) -> Int? {
        haystack.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { needle in
                fallback.withUnsafeBufferPointer { fallback in
                    var matched = 0
                    var index = start
                    while index < haystack.count {
                        let byte = haystack[index]
                        while matched > 0, needle[matched] != byte { matched = fallback[matched - 1] }
                        if needle[matched] == byte { matched += 1 }
                        if matched == needle.count { return index + 1 - needle.count }
                        index += 1
                    }
                    return nil
                }
            }
        }
    }
}

/// `value; name=token; name="quoted string"`, as in Content-Type and Content-Disposition: the value
/// before the first `;`, and the parameters by lowercased name (the first of a repeated name wins).
/// A backslash escapes only a quote or a backslash, since browsers send other backslashes in file
/// names as they are.
private struct HeaderValue {
    let value: String
    let parameters: [String: String]

    init(_ string: String) {
        let bytes = Array(string.utf8)
        var index = 0
        func skip(while predicate: (UInt8) -> Bool) {
            while index < bytes.count, predicate(bytes[index]) { index += 1 }
        }
        skip { $0 != semicolon }
        value = trimmed(bytes[..<index])

        var parameters: [String: String] = [:]
        while index < bytes.count {
            index += 1  // the `;`
            let nameStart = index
            skip { $0 != UInt8(ascii: "=") && $0 != semicolon }
            let name = trimmed(bytes[nameStart..<index]).lowercased()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skip { $0 == space || $0 == tab }
            var parameter: [UInt8] = []
            if index < bytes.count, bytes[index] == quote {
                index += 1
                while index < bytes.count, bytes[index] != quote {
                    if bytes[index] == backslash, index + 1 < bytes.count, bytes[index + 1] == quote || bytes[index + 1] == backslash {
                        index += 1
                    }
                    parameter.append(bytes[index])
                    index += 1
                }
                skip { $0 != semicolon }
            } else {
                let valueStart = index
                skip { $0 != semicolon }
                parameter = Array(trimmed(bytes[valueStart..<index]).utf8)
            }
            if !name.isEmpty, parameters[name] == nil {
                parameters[name] = String(decoding: parameter, as: UTF8.self)
            }
        }
        self.parameters = parameters
    }
}
