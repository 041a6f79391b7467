import Foundation
import HTTPTypes
import Hummingbird

/// A picture uploaded as `multipart/form-data` in the field `file`: PNG, JPEG or WebP by its bytes
/// (not by its name or declared type), at most 2 MB.
public struct ImageUpload: RawRequestBody {
    public let data: Data
    public let kind: ImageKind

    public static let maximumImageSize = 2 * 1024 * 1024
    public static let mediaType = "multipart/form-data"
    /// The image plus the multipart framing around it.
    public static let maximumSize = maximumImageSize + 64 * 1024

    public static let notMultipart = AppError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send the image as multipart/form-data.")
    public static let malformed = AppError.badRequest("invalid_upload", "The multipart body is malformed or has no `file` field.")
    public static let unsupportedImage = AppError(
        .unsupportedMediaType, code: "unsupported_image_type", message: "The file must be a PNG, JPEG or WebP image.")
    public static let tooLarge = AppError(.contentTooLarge, code: "payload_too_large", message: "The image must be at most 2 MB.")
    public static let errors = [ErrorCase(notMultipart), ErrorCase(malformed), ErrorCase(unsupportedImage)]

    public static var schema: JSONSchema {
        .object(["file": JSONSchema(types: [.string], format: "binary", description: "PNG, JPEG or WebP, at most 2 MB.")], required: ["file"])
    }

    public init(raw: ByteBuffer, contentType: String?) throws {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { throw Self.notMultipart }
        let form: MultipartForm
        do {
            form = try MultipartForm.parse(Array(buffer: raw), contentType: contentType)
        } catch {
            throw Self.malformed
        }
        guard let file = form.file(named: "file") else { throw Self.malformed }
        guard file.data.count <= Self.maximumImageSize else { throw Self.tooLarge }
        guard let kind = ImageKind.sniff(file.data) else { throw Self.unsupportedImage }
        self.data = Data(file.data)
        self.kind = kind
    }
}

/// A stored file answered as it is, with its sniffed type; browsers are told not to guess another.
public struct StoredFile: EndpointOutput {
    public let data: Data
    public let contentType: String

    public init(data: Data, contentType: String) {
        self.data = data
        self.contentType = contentType
    }

    public static func describe(_ reflector: inout SchemaReflector) throws -> OutputDescription {
        .text(contentType: "image/*")
    }

    public func response(status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType, .cacheControl: "private, max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
