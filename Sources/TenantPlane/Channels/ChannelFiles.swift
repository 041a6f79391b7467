import Foundation
import Logging
import PlatformCore

/// A file shared in a channel: its bytes in file storage under `channels/<workspace>/<id>`, its
/// description here.
struct ChannelFile: APIModel, TableRow {
    let id: UUID
    let channelID: UUID
    let name: String
    let contentType: String
    let sizeBytes: Int64
    let description: String
    let uploadedBy: UUID?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, channelID = "channel_id", name, contentType = "content_type", sizeBytes = "size_bytes", description
        case uploadedBy = "uploaded_by", createdAt = "created_at"
    }

    static let columns: Columns = ["id", "channel_id", "name", "content_type", "size_bytes", "description", "uploaded_by", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        channelID = try row("channel_id")
        name = try row("name")
        contentType = try row("content_type")
        sizeBytes = try row("size_bytes")
        description = try row("description")
        uploadedBy = try row("uploaded_by")
        createdAt = try row("created_at")
    }

    init(id: UUID, channelID: UUID, name: String, contentType: String, sizeBytes: Int64, uploadedBy: UUID?, createdAt: Date) {
        (self.id, self.channelID, self.name, self.contentType, self.sizeBytes) = (id, channelID, name, contentType, sizeBytes)
        (self.description, self.uploadedBy, self.createdAt) = ("", uploadedBy, createdAt)
    }

    static let example = ChannelFile(
        id: UUID(uuidString: "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b")!, channelID: Channel.example.id, name: "launch-plan.pdf",
        contentType: "application/pdf", sizeBytes: 182_044, uploadedBy: TeamMember.example.memberID, createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

struct ChannelFileList: APIModel {
    let items: [ChannelFile]
    static let example = ChannelFileList(items: [.example])
}

/// `GET …/files/{file_id}/url`: a fresh signed URL and when it stops working.
struct SignedFileURL: APIModel {
    let url: String
    let expiresAt: Date
    enum CodingKeys: String, CodingKey { case url, expiresAt = "expires_at" }
    static let example = SignedFileURL(
        url: "https://app.example.com/api/v1/files/channels/0c4a1e52-7d3b-4f6e-9a2c-5b8d1e3f7a90/4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b/launch-plan.pdf?exp=1790003600&sig=…",
        expiresAt: Date(timeIntervalSince1970: 1_790_003_600))
}

/// Where channel files are kept and how they are handed out: signed URLs that expire within
/// the hour; the signature is the only permission the download route asks for.
struct ChannelFiles: Sendable {
    let storage: any FileStorage
    let signer: URLSigner
    let publicURL: String

    static let urlLifetime: TimeInterval = 3600

    static func key(workspace: UUID, file: UUID) -> String {
        "channels/\(workspace.uuidString.lowercased())/\(file.uuidString.lowercased())"
    }

    static func path(workspace: UUID, file: UUID, name: String) -> String {
        "/api/v1/files/channels/\(workspace.uuidString.lowercased())/\(file.uuidString.lowercased())/\(FileUpload.safeName(name))"
    }

    func url(workspace: UUID, file: ChannelFile, download: Bool, now: Date = Date()) -> SignedFileURL {
        let expiresAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Self.urlLifetime).rounded(.down))
        let signed = signer.sign(path: Self.path(workspace: workspace, file: file.id, name: file.name), expiresAt: expiresAt)
        return SignedFileURL(url: publicURL + signed + (download ? "&download=true" : ""), expiresAt: expiresAt)
    }

    /// Removes stored files (after their rows are gone); a failure leaves an orphan, not an error.
    func remove(_ keys: [String]) async {
        for key in keys { try? await storage.delete(key: key) }
    }

    static let missing = AppError.notFound("file_not_found", "The file no longer exists.")

    static let download = Endpoint(
        .get, "/api/v1/files/channels/{workspace_id}/{file_id}/{file_name}",
        "A channel file, through a signed URL (`exp`, `sig`; `download=true` to save rather than show it)",
        query: SignedDownload.self, returns: DownloadedFile.self, errors: URLSigner.errors + [ErrorCase(missing)])

    struct SignedDownload: QueryParameters {
        let exp: String?
        let sig: String?
        let download: Bool?
    }

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.download) { input, context in
            let (workspace, file, name) = (input.id("workspace_id"), input.id("file_id"), input.parameter("file_name"))
            try signer.check(path: Self.path(workspace: workspace, file: file, name: name), exp: input.query.exp, sig: input.query.sig)
            let data = try await storage.get(key: Self.key(workspace: workspace, file: file)).orNotFound(Self.missing)
            let kind = FileKind.sniff(data, name: name) ?? FileKind(contentType: "application/octet-stream")
            return DownloadedFile(data: data, contentType: kind.contentType, name: name, attachment: input.query.download ?? false)
        }
    }
}
