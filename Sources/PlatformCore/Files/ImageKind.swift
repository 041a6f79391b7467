/// The image formats accepted for uploads, recognised by their leading bytes alone: a client's
/// Content-Type and file name say nothing reliable about what it sent.
public enum ImageKind: String, Sendable, CaseIterable {
    case png, jpeg, webp

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageKind? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: pngSignature) { return .png }
        if head.starts(with: jpegSignature) { return .jpeg }
        // "RIFF", a four-byte little-endian size, then "WEBP".
        if head.count == 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) { return .webp }
        return nil
    }

    public var contentType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .webp: "image/webp"
        }
    }

    /// Without the dot.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        }
    }
}
