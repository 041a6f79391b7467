import Foundation

/// The document types channels accept, recognised by their leading bytes: a client's Content-Type
/// says nothing reliable. A file name's extension only refines what the bytes already show (a ZIP
/// named `.docx` is a Word document; plain UTF-8 named `.csv` is CSV).
public struct FileKind: Sendable, Equatable {
    public let contentType: String

    public init(contentType: String) { self.contentType = contentType }

    /// nil when the bytes are none of the accepted types.
    public static func sniff(_ bytes: some Collection<UInt8>, name: String) -> FileKind? {
        let ext = name.split(separator: ".").count > 1 ? name.split(separator: ".").last.map { $0.lowercased() } ?? "" : ""
        if let image = ImageKind.sniff(bytes) { return FileKind(contentType: image.contentType) }
        let head = Array(bytes.prefix(16))
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return FileKind(contentType: "image/gif") }
        if head.starts(with: Array("%PDF-".utf8)) { return FileKind(contentType: "application/pdf") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return FileKind(contentType: officeTypes[ext] ?? "application/zip")
        }
        // ISO base media (MP4, MOV): a box size, then "ftyp".
        if head.count >= 8, head[4..<8].elementsEqual("ftyp".utf8) { return FileKind(contentType: ext == "mov" ? "video/quicktime" : "video/mp4") }
        if isText(bytes) { return FileKind(contentType: textTypes[ext] ?? "text/plain") }
        return nil
    }

    /// UTF-8 without NUL bytes or other control characters than tab, line feed, carriage return
    /// and form feed.
    static func isText(_ bytes: some Collection<UInt8>) -> Bool {
        guard !bytes.isEmpty, String(validating: Array(bytes), as: UTF8.self) != nil else { return false }
        return !bytes.contains { $0 < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D].contains($0) || $0 == 0x7F }
    }

    static let officeTypes = [
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text",
        "ods": "application/vnd.oasis.opendocument.spreadsheet",
    ]
    static let textTypes = ["csv": "text/csv", "md": "text/markdown", "json": "application/json", "txt": "text/plain"]

    public static let accepted = "images (PNG, JPEG, GIF, WebP), PDF, ZIP and Office documents, MP4 and MOV video, UTF-8 text"
}
