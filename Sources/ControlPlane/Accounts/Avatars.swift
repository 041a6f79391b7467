import Foundation
import Logging
import PlatformCore

/// Profile pictures: kept in file storage under `avatars/<uuid>`, shown through signed URLs that
/// expire within the hour, so a leaked URL stops working and nothing is public by default.
struct Avatars: Sendable {
    let users: UserRepository
    let storage: any FileStorage
    let signer: URLSigner
    let publicURL: String

    static let urlLifetime: TimeInterval = 3600

    /// The user as the API shows them, with a fresh avatar URL.
    func user(_ record: UserRecord) -> User {
        User(record, avatarURL: record.avatarKey.flatMap(url(forKey:)))
    }

    func url(forKey key: String) -> String? {
        guard let id = key.split(separator: "/").last.flatMap({ UUID(uuidString: String($0)) }) else { return nil }
        let path = FileController.avatar.url(["file_id": id])
        return publicURL + signer.sign(path: path, expiresAt: Date().addingTimeInterval(Self.urlLifetime))
    }

    /// Stores the new picture, points the user at it, and removes the old one.
    func replace(for userID: UUID, with upload: ImageUpload, logger: Logger) async throws -> User {
        let key = "avatars/\(UUID().uuidString.lowercased())"
        try await storage.put(upload.data, key: key)
        guard let (record, previous) = try await users.setAvatar(userID, key: key, logger: logger) else {
            try? await storage.delete(key: key)
            throw UserRepository.notFound
        }
        if let previous { try? await storage.delete(key: previous) }
        return user(record)
    }
}

/// Serves stored files to whoever holds a valid signed URL (no other credentials: the signature is
/// the permission, and it expires).
struct FileController: Sendable {
    let storage: any FileStorage
    let signer: URLSigner

    static let missing = AppError.notFound("file_not_found", "The file no longer exists.")

    static let avatar = Endpoint(
        .get, "/api/v1/files/avatars/{file_id}", "A profile picture, through a signed URL (`exp`, `sig`)", query: SignedURLQuery.self,
        returns: StoredFile.self, errors: URLSigner.errors + [ErrorCase(missing)])

    func addRoutes(to routes: RouteTable) {
        routes.open(Self.avatar) { input, context in
            let id = input.id("file_id")
            try signer.check(path: Self.avatar.url(["file_id": id]), exp: input.query.exp, sig: input.query.sig)
            let data = try await storage.get(key: "avatars/\(id.uuidString.lowercased())").orNotFound(Self.missing)
            guard let kind = ImageKind.sniff(data) else { throw Self.missing }
            return StoredFile(data: data, contentType: kind.contentType)
        }
    }
}

struct SignedURLQuery: QueryParameters {
    let exp: String?
    let sig: String?
}
