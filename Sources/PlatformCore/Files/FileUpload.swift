import Foundation
import HTTPTypes
import Hummingbird

/// A document uploaded as `multipart/form-data` in the field `file`, at most 25 MB, of a type its
/// bytes show (`FileKind`).
public struct FileUpload: RawRequestBody {
    public let data: Data
    public let name: String
    public let kind: FileKind

    public static let maximumFileSize = 25 * 1024 * 1024
    public static let mediaType = "multipart/form-data"
    public static let maximumSize = maximumFileSize + 64 * 1024

    public static let notMultipart = AppError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send the file as multipart/form-data.")
    public static let malformed = AppError.badRequest("invalid_upload", "The multipart body is malformed or has no `file` field.")
    public static let unsupported = AppError(.unsupportedMediaType, code: "unsupported_file_type", message: "The file must be one of: \(FileKind.accepted).")
    public static let tooLarge = AppError(.contentTooLarge, code: "payload_too_large", message: "The file must be at most 25 MB.")
    public static let errors = [ErrorCase(notMultipart), ErrorCase(malformed), ErrorCase(unsupported), ErrorCase(tooLarge)]

    public static var schema: JSONSchema {
        .object(["file": JSONSchema(types: [.string], format: "binary", description: "At most 25 MB: \(FileKind.accepted).")], required: ["file"])
    }

    public init(raw: ByteBuffer, contentType: String?) throws {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { throw Self.notMultipart }
        let form: MultipartForm
        do {
            form = try MultipartForm.parse(raw, contentType: contentType)
        } catch {
            throw Self.malformed
        }
        guard let file = form.file(named: "file") else { throw Self.malformed }
        guard file.data.count <= Self.maximumFileSize else { throw Self.tooLarge }
        let name = Self.cleanName(file.filename ?? "")
        guard let kind = FileKind.sniff(file.data, name: name) else { throw Self.unsupported }
        self.data = Data(file.data)
        self.name = name
        self.kind = kind
    }

    /// The name as shown: its last path component, without control characters, at most 255
    /// characters; `file` when nothing is left.
    static func cleanName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init)).trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? "file" : String(clean.prefix(255))
    }

    /// The name reduced to `A-Z a-z 0-9 . _ -` for a URL path and a Content-Disposition header.
    public static func safeName(_ name: String) -> String {
        var safe = ""
        for scalar in name.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar) {
                safe.unicodeScalars.append(scalar)
            } else if !safe.hasSuffix("_") {
                safe += "_"
            }
        }
        while safe.hasPrefix(".") || safe.hasPrefix("_") { safe.removeFirst() }
        return safe.isEmpty ? "file" : String(safe.prefix(120))
    }
}

/// A stored document answered as it is, shown in place or (`attachment`) downloaded; sandboxed so
/// that nothing in it runs with the API's origin.
public struct DownloadedFile: EndpointOutput {
    public let data: Data
    public let contentType: String
    public let name: String
    public let attachment: Bool

    public init(data: Data, contentType: String, name: String, attachment: Bool) {
        (self.data, self.contentType, self.name, self.attachment) = (data, contentType, name, attachment)
    }

    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription {
        .text(contentType: "*/*")
    }

    public func response(status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status,
            headers: [
                .contentType: contentType, .cacheControl: "private, max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                .contentSecurityPolicy: "sandbox; default-src 'none'",
                .contentDisposition: "\(attachment ? "attachment" : "inline"); filename=\"\(FileUpload.safeName(name))\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `302 Found` to a URL.
public struct Redirect: EndpointOutput {
    public let location: String

    public init(to location: String) { self.location = location }

    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription { .empty }

    public func response(status: HTTPResponse.Status) throws -> Response {
        Response(status: status, headers: [.location: location, .cacheControl: "no-store"])
    }
}
