import Foundation
import NIOCore
import PlatformCore
import Testing

@Suite struct MultipartFormTests {
    static let boundary = "----formBoundary7MA4YWxkTrZu0gW"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    /// A body as a browser sends it: CRLF everywhere, each part opened by `--boundary`.
    static func body(_ parts: [(headers: [String], data: [UInt8])], boundary: String = boundary, preamble: String = "",
                     epilogue: String = "") -> [UInt8] {
        var body = Array(preamble.utf8)
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            for header in part.headers { body += Array("\(header)\r\n".utf8) }
            body += Array("\r\n".utf8) + part.data + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n\(epilogue)".utf8)
    }

    static func isMalformed(_ error: any Error) -> Bool {
        if case .malformed = error as? MultipartError { true } else { false }
    }

    @Test func fieldsAndABinaryFileThatLooksLikeBoundaries() throws {
        // CR, LF, "\r\n--", the delimiter less its last character, and the boundary without its
        // leading CRLF are all data.
        let tricky = Array("\r\n--\(Self.boundary.dropLast())".utf8)
        let file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x0D] + Array("\r\n--".utf8) + tricky
            + [0x0A, 0x0D] + Array("--\(Self.boundary)".utf8) + [0x00, 0x0D, 0x0A]
        let body = Self.body([
            (["Content-Disposition: form-data; name=\"display_name\""], Array("Ada Lovelace".utf8)),
            (["content-disposition: form-data; name=\"bio\""], Array("line one\r\nline two".utf8)),
            (["Content-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"", "Content-Type: image/png"], file),
        ], preamble: "This is a preamble.\r\n", epilogue: "and an epilogue")

        let form = try MultipartForm.parse(body, contentType: Self.contentType)
        #expect(form.parts.count == 3)
        #expect(form.value(named: "display_name") == "Ada Lovelace")
        #expect(form.value(named: "bio") == "line one\r\nline two")
        let avatar = try #require(form.file(named: "avatar"))
        #expect(avatar.filename == "me.png")
        #expect(avatar.contentType == "image/png")
        #expect(avatar.data == file)
        #expect(form.file(named: "display_name") == nil, "a plain field is not a file")
        #expect(form.value(named: "avatar") == nil, "a file is not a plain field")
        #expect(form.parts[0].filename == nil && form.parts[0].contentType == nil)

        let fromBuffer = try MultipartForm.parse(ByteBuffer(bytes: body), contentType: Self.contentType)
        #expect(fromBuffer.parts == form.parts)
    }

    @Test func quotedBoundaryAndCaseInsensitiveMediaType() throws {
        let boundary = "simple boundary:x"  // a space and a colon are allowed, but only quoted
        let body = Self.body([(["Content-Disposition: form-data; name=\"a\""], Array("1".utf8))], boundary: boundary)
        let form = try MultipartForm.parse(body, contentType: "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"\(boundary)\"")
        #expect(form.value(named: "a") == "1")
    }

    @Test func quotedParametersEmptyPartsAndExtendedFilenames() throws {
        let body = Self.body([
            (["Content-Disposition: form-data; name=\"a;b\"; filename=\"say \\\"hi\\\".png\""], []),
            (["Content-Disposition: form-data; name=c; filename=\"plain.png\"; filename*=UTF-8''%E2%82%AC%20rate.png"], [0x01]),
            (["Content-Disposition: form-data; name=\"empty\"; filename=\"\""], []),
        ])
        let form = try MultipartForm.parse(body, contentType: Self.contentType)
        #expect(form.parts.map(\.name) == ["a;b", "c", "empty"])
        #expect(form.parts[0].filename == "say \"hi\".png")
        #expect(form.parts[0].data.isEmpty)
        #expect(form.parts[1].filename == "€ rate.png")
        #expect(form.parts[1].data == [0x01])
        #expect(form.file(named: "empty")?.filename == "")
    }

    @Test func bareLineFeedsInHeaders() throws {
        let b = Self.boundary
        let body = Array("--\(b)\nContent-Disposition: form-data; name=\"a\"\n\nvalue\r\n--\(b)--".utf8)
        #expect(try MultipartForm.parse(body, contentType: Self.contentType).value(named: "a") == "value")
    }

    @Test func contentTypeErrors() {
        let body = Self.body([(["Content-Disposition: form-data; name=\"a\""], [])])
        #expect(throws: MultipartError.missingBoundary) { try MultipartForm.parse(body, contentType: "multipart/form-data") }
        #expect(throws: MultipartError.missingBoundary) { try MultipartForm.parse(body, contentType: "multipart/form-data; boundary=\"\"") }
        #expect(throws: MultipartError.notMultipart) { try MultipartForm.parse(body, contentType: "application/json") }
        #expect(throws: MultipartError.notMultipart) { try MultipartForm.parse(body, contentType: "multipart/mixed; boundary=x") }
        #expect { try MultipartForm.parse(body, contentType: "multipart/form-data; boundary=\(String(repeating: "x", count: 71))") }
            throws: { Self.isMalformed($0) }
    }

    @Test func truncatedAndMalformedBodies() throws {
        let complete = Self.body([(["Content-Disposition: form-data; name=\"a\""], Array("value".utf8))])
        let closing = Array("\r\n--\(Self.boundary)--\r\n".utf8)
        let truncated = Array(complete.dropLast(closing.count))
        #expect { try MultipartForm.parse(truncated, contentType: Self.contentType) } throws: { Self.isMalformed($0) }
        // A final boundary that is not the closing one, with nothing after it.
        #expect { try MultipartForm.parse(truncated + Array("\r\n--\(Self.boundary)".utf8), contentType: Self.contentType) }
            throws: { Self.isMalformed($0) }
        #expect { try MultipartForm.parse(Array("no boundary here".utf8), contentType: Self.contentType) }
            throws: { Self.isMalformed($0) }
        #expect { try MultipartForm.parse([], contentType: Self.contentType) } throws: { Self.isMalformed($0) }
        let noDisposition = Self.body([(["Content-Type: text/plain"], Array("x".utf8))])
        #expect { try MultipartForm.parse(noDisposition, contentType: Self.contentType) } throws: { Self.isMalformed($0) }
        let attachment = Self.body([(["Content-Disposition: attachment; name=\"a\""], Array("x".utf8))])
        #expect { try MultipartForm.parse(attachment, contentType: Self.contentType) } throws: { Self.isMalformed($0) }
        let junkAfterBoundary = Array("--\(Self.boundary)x\r\n\r\n\r\n--\(Self.boundary)--".utf8)
        #expect { try MultipartForm.parse(junkAfterBoundary, contentType: Self.contentType) } throws: { Self.isMalformed($0) }
        #expect(try MultipartForm.parse(Array("--\(Self.boundary)--".utf8), contentType: Self.contentType).parts.isEmpty)
    }

    @Test func partLimit() throws {
        let field = (headers: ["Content-Disposition: form-data; name=\"f\""], data: Array("x".utf8))
        let atLimit = Self.body(Array(repeating: field, count: 20))
        #expect(try MultipartForm.parse(atLimit, contentType: Self.contentType).parts.count == 20)
        #expect(throws: MultipartError.tooManyParts(limit: 20)) {
            try MultipartForm.parse(Self.body(Array(repeating: field, count: 21)), contentType: Self.contentType)
        }
        #expect(throws: MultipartError.tooManyParts(limit: 2)) {
            try MultipartForm.parse(Self.body(Array(repeating: field, count: 3)), contentType: Self.contentType, maxParts: 2)
        }
    }

    @Test func twoMegabyteFile() throws {
        // Mostly CRLF and "--" followed by the boundary's prefixes: a search that restarted at every
        // near miss would crawl here.
        var generator = SystemRandomNumberGenerator()
        var file: [UInt8] = []
        file.reserveCapacity(2 * 1024 * 1024 + 100)
        let nearMiss = Array("\r\n--\(Self.boundary.dropLast())".utf8)
        while file.count < 2 * 1024 * 1024 {
            if Bool.random(using: &generator) {
                file += nearMiss.prefix(Int.random(in: 1...nearMiss.count, using: &generator))
            } else {
                // Never the boundary's last character, which could complete a full-length near miss.
                let byte = UInt8.random(in: .min ... .max, using: &generator)
                file.append(byte == UInt8(ascii: "W") ? 0 : byte)
            }
        }
        let body = Self.body([
            (["Content-Disposition: form-data; name=\"avatar\"; filename=\"big.bin\"", "Content-Type: application/octet-stream"], file),
            (["Content-Disposition: form-data; name=\"after\""], Array("tail".utf8)),
        ])
        let form = try MultipartForm.parse(body, contentType: Self.contentType)
        #expect(form.file(named: "avatar")?.data == file)
        #expect(form.value(named: "after") == "tail")
    }
}

@Suite struct ImageKindTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0x00, 0x00, 0x00] + Array("WEBPVP8 ".utf8)

    @Test func knownKinds() {
        #expect(ImageKind.sniff(Self.png) == .png)
        #expect(ImageKind.sniff(Self.jpeg) == .jpeg)
        #expect(ImageKind.sniff(Self.webp) == .webp)
        #expect(ImageKind.sniff(Data(Self.png)) == .png)
        #expect(ImageKind.sniff(Self.webp[...]) == .webp)
        #expect(ImageKind.png.contentType == "image/png" && ImageKind.png.fileExtension == "png")
        #expect(ImageKind.jpeg.contentType == "image/jpeg" && ImageKind.jpeg.fileExtension == "jpg")
        #expect(ImageKind.webp.contentType == "image/webp" && ImageKind.webp.fileExtension == "webp")
    }

    @Test func unknownOrShort() {
        #expect(ImageKind.sniff([UInt8]()) == nil)
        #expect(ImageKind.sniff(Array(Self.png.prefix(7))) == nil, "seven of PNG's eight signature bytes")
        #expect(ImageKind.sniff(Array(Self.jpeg.prefix(2))) == nil)
        #expect(ImageKind.sniff(Array(Self.webp.prefix(11))) == nil)
        #expect(ImageKind.sniff(Array("RIFF\u{24}\0\0\0WAVEfmt ".utf8)) == nil, "RIFF, but audio")
        #expect(ImageKind.sniff(Array("hello, I am a text file called avatar.png\n".utf8)) == nil)
        #expect(ImageKind.sniff([0x00] + Self.png) == nil, "the signature must come first")
    }
}

@Suite struct LocalFileStorageTests {
    static func withTemporaryRoot(_ body: (URL) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("files-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try await body(root)
    }

    static func permissions(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func roundTripOverwriteAndDelete() async throws {
        try await Self.withTemporaryRoot { root in
            let storage = LocalFileStorage(root: root)
            #expect(try await storage.get(key: "avatars/u1/a.png") == nil)

            try await storage.put(Data([1, 2, 3]), key: "avatars/u1/a.png")
            #expect(try await storage.get(key: "avatars/u1/a.png") == Data([1, 2, 3]))
            try await storage.put([9, 8], key: "avatars/u1/a.png")
            #expect(try await storage.get(key: "avatars/u1/a.png") == Data([9, 8]))
            try await storage.put(Data(), key: "empty")
            #expect(try await storage.get(key: "empty") == Data())

            #expect(try Self.permissions(root.path + "/avatars") == 0o700)
            #expect(try Self.permissions(root.path + "/avatars/u1") == 0o700)
            #expect(try Self.permissions(root.path + "/avatars/u1/a.png") == 0o600)
            let siblings = try FileManager.default.contentsOfDirectory(atPath: root.path + "/avatars/u1")
            #expect(siblings == ["a.png"], "no temporary file is left behind")

            try await storage.delete(key: "avatars/u1/a.png")
            #expect(try await storage.get(key: "avatars/u1/a.png") == nil)
            try await storage.delete(key: "avatars/u1/a.png")
            try await storage.delete(key: "never/written")
            #expect(try await storage.get(key: "empty/below-a-file") == nil, "a file is not a folder")
        }
    }

    @Test func deletingAFolderKeyDoesNotEmptyIt() async throws {
        try await Self.withTemporaryRoot { root in
            let storage = LocalFileStorage(root: root)
            try await storage.put(Data([1]), key: "avatars/a.png")
            await #expect(throws: (any Error).self) { try await storage.delete(key: "avatars") }
            #expect(try await storage.get(key: "avatars/a.png") == Data([1]))
        }
    }

    @Test(arguments: ["../x", "/abs", "a//b", "a/./b", "a/../b", "", "a/", ".hidden", "a b", "a\\b", "ü", "a/b?c"])
    func rejectedKeys(_ key: String) async throws {
        try await Self.withTemporaryRoot { root in
            let storage = LocalFileStorage(root: root)
            await #expect(throws: FileStorageError.invalidKey(key)) { try await storage.put(Data([1]), key: key) }
            await #expect(throws: FileStorageError.invalidKey(key)) { try await storage.get(key: key) }
            await #expect(throws: FileStorageError.invalidKey(key)) { try await storage.delete(key: key) }
            #expect(!FileManager.default.fileExists(atPath: root.path), "nothing was written")
        }
    }

    @Test func acceptedKeyCharacters() async throws {
        try await Self.withTemporaryRoot { root in
            let storage = LocalFileStorage(root: root)
            let key = "A-Z_a.z/0-9..x/file.name.v2"
            try await storage.put(Data([7]), key: key)
            #expect(try await storage.get(key: key) == Data([7]))
        }
    }
}

@Suite struct URLSignerTests {
    let signer = URLSigner(secret: "test secret")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func query(_ url: String) throws -> (path: String, exp: String?, sig: String?) {
        let components = try #require(URLComponents(string: url))
        let items = components.queryItems ?? []
        return (components.path, items.first { $0.name == "exp" }?.value, items.first { $0.name == "sig" }?.value)
    }

    @Test func validURL() throws {
        let url = signer.sign(path: "/files/avatars/u1.png", expiresAt: now.addingTimeInterval(300))
        #expect(url.hasPrefix("/files/avatars/u1.png?exp=1800000300&sig="))
        let (path, exp, sig) = try query(url)
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now) == .valid)
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now.addingTimeInterval(299)) == .valid)
        let signature = try #require(sig)
        #expect(signature.count == 43 && !signature.contains("=") && !signature.contains("+") && !signature.contains("/"))
    }

    @Test func tampering() throws {
        let (path, exp, sig) = try query(signer.sign(path: "/files/a.png", expiresAt: now.addingTimeInterval(300)))
        let signature = try #require(sig)
        #expect(signer.verify(path: "/files/b.png", exp: exp, sig: sig, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: "1800000301", sig: sig, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: "0" + (exp ?? ""), sig: sig, now: now) == .invalid)
        let flipped = String(signature.first == "A" ? "B" : "A") + signature.dropFirst()
        #expect(signer.verify(path: path, exp: exp, sig: flipped, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: exp, sig: String(signature.dropLast(2)), now: now) == .invalid)
        #expect(signer.verify(path: path, exp: exp, sig: signature + "=", now: now) == .invalid)
        #expect(URLSigner(secret: "other secret").verify(path: path, exp: exp, sig: sig, now: now) == .invalid)
    }

    @Test func expiry() throws {
        let (path, exp, sig) = try query(signer.sign(path: "/files/a.png", expiresAt: now))
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now) == .expired, "valid until, not through, exp")
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now.addingTimeInterval(3600)) == .expired)
        #expect(signer.verify(path: "/files/b.png", exp: exp, sig: sig, now: now.addingTimeInterval(3600)) == .invalid,
                "a past exp with a bad signature is invalid, not expired")
    }

    @Test func missingOrMalformedParameters() throws {
        let (path, exp, sig) = try query(signer.sign(path: "/files/a.png", expiresAt: now.addingTimeInterval(60)))
        #expect(signer.verify(path: path, exp: nil, sig: sig, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: exp, sig: nil, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: nil, sig: nil, now: now) == .invalid)
        for badExp in ["", "soon", "-1", "+1800000060", " 1800000060", "1e9", "99999999999999999999"] {
            #expect(signer.verify(path: path, exp: badExp, sig: sig, now: now) == .invalid, "exp \(badExp)")
        }
        for badSig in ["", "!!!!", "a", String(repeating: "A", count: 43)] {
            #expect(signer.verify(path: path, exp: exp, sig: badSig, now: now) == .invalid, "sig \(badSig)")
        }
    }

    @Test func farFutureExpiry() throws {
        let week = URLSigner.maxLifetime
        let (path, exp, sig) = try query(signer.sign(path: "/files/a.png", expiresAt: now.addingTimeInterval(week + 1)))
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now) == .invalid)
        #expect(signer.verify(path: path, exp: exp, sig: sig, now: now.addingTimeInterval(1)) == .valid, "a week ahead is the limit")
    }
}
