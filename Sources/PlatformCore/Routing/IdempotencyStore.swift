import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// `Idempotency-Key` for operations that start work or spend something: the first successful
/// response is stored and replayed to every retry with the same key and body; the same key with a
/// different body is a 422; a retry while the first is still running is a 409. A failed first
/// attempt stores nothing, so it may be retried. Keys last 24 hours. Control-plane operations keep
/// them in `control`, tenant ones in the tenant's schema.
struct IdempotencyStore: Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let inFlight = AppError.conflict("idempotency_conflict", "A request with this Idempotency-Key is still being processed.")
    static let reused = AppError(
        .unprocessableContent, code: "idempotency_key_reused", message: "This Idempotency-Key was already used with a different request body.")
    static let invalidKey = AppError.badRequest("invalid_idempotency_key", "An Idempotency-Key must be 1 to 255 visible ASCII characters.")

    let db: any Queryable
    let table: QualifiedTable

    /// `encode` runs the handler and encodes its answer, which is sent with `status`.
    func respond(
        key: String, scope: String, body: ByteBuffer?, status: HTTPResponse.Status, logger: Logger,
        _ encode: @Sendable () async throws -> ByteBuffer
    ) async throws -> Response {
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else { throw Self.invalidKey }
        let digest = Self.digest(body)
        for _ in 0..<2 {
            let claimed = try await db.execute("""
                INSERT INTO \(table) (scope, key, request_digest) VALUES (\(scope), \(key), \(digest))
                ON CONFLICT (scope, key) DO NOTHING RETURNING key
                """, logger: logger) == 1
            if claimed {
                let body = try await first(key: key, scope: scope, status: status, logger: logger, encode)
                return Self.response(status: status, body: body, replayed: false)
            }
            guard let stored = try await db.first(Stored.self, """
                SELECT request_digest, status, body,
                       created_at < now() - interval '24 hours' AS expired,
                       created_at < now() - interval '5 minutes' AS abandoned
                FROM \(table) WHERE scope = \(scope) AND key = \(key)
                """, logger: logger) else { continue }
            if stored.expired || (stored.status == nil && stored.abandoned) {
                try await db.execute("DELETE FROM \(table) WHERE scope = \(scope) AND key = \(key) RETURNING key", logger: logger)
                continue
            }
            guard stored.requestDigest == digest else { throw Self.reused }
            guard let status = stored.status else { throw Self.inFlight }
            return Self.response(status: HTTPResponse.Status(code: status), body: ByteBuffer(bytes: stored.body ?? Data()), replayed: true)
        }
        throw Self.inFlight
    }

    /// The body's fingerprint: of its JSON with keys sorted, so key order and spacing do not matter.
    static func digest(_ body: ByteBuffer?) -> Data {
        let bytes = body.map { Array(buffer: $0) } ?? []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let canonical = (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))).flatMap { try? encoder.encode($0) }
        return Data(SHA256.hash(data: canonical ?? Data(bytes)))
    }

    private static func response(status: HTTPResponse.Status, body: ByteBuffer, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[replayedHeader] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    private func first(
        key: String, scope: String, status: HTTPResponse.Status, logger: Logger, _ encode: @Sendable () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        let body: ByteBuffer
        do {
            body = try await encode()
        } catch {
            try? await forget(key: key, scope: scope, logger: logger)
            throw error
        }
        try await db.execute("""
            UPDATE \(table) SET status = \(status.code), body = \(Data(buffer: body)), completed_at = now()
            WHERE scope = \(scope) AND key = \(key) RETURNING key
            """, logger: logger)
        return body
    }

    private func forget(key: String, scope: String, logger: Logger) async throws {
        try await db.execute("DELETE FROM \(table) WHERE scope = \(scope) AND key = \(key) RETURNING key", logger: logger)
    }

    struct Stored: Row {
        let requestDigest: Data
        let status: Int?
        let body: Data?
        let expired: Bool
        let abandoned: Bool

        init(row: RowReader) throws {
            requestDigest = try row("request_digest")
            status = try row("status")
            body = try row("body")
            expired = try row("expired")
            abandoned = try row("abandoned")
        }
    }
}
