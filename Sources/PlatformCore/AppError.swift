import Foundation
import Hummingbird

/// The one error type handlers throw. It renders as `{"error": {"code", "message", "details"?}}`.
public struct AppError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let details: JSONValue?
    public let headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, message: String,
        details: JSONValue? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try Self.encoder.encode(Envelope(error: .init(code: code, message: message, details: details)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Sorted keys: the same error is the same bytes (callers must not tell cases apart by layout).
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private struct Envelope: Encodable {
        struct Body: Encodable {
            let code: String
            let message: String
            let details: JSONValue?
        }
        let error: Body
    }
}

extension AppError {
    public static func badRequest(_ code: String, _ message: String, details: JSONValue? = nil) -> AppError {
        AppError(.badRequest, code: code, message: message, details: details)
    }
    public static func validation(_ message: String, fields: [String: String]) -> AppError {
        AppError(
            .unprocessableContent, code: "validation_failed", message: message,
            details: .object(["fields": .object(fields.mapValues { .string($0) })]))
    }
    public static func unauthenticated(_ code: String = "unauthenticated", _ message: String = "Authentication is required.") -> AppError {
        AppError(.unauthorized, code: code, message: message, headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ code: String = "forbidden", _ message: String) -> AppError {
        AppError(.forbidden, code: code, message: message)
    }
    public static func notFound(_ code: String = "not_found", _ message: String) -> AppError {
        AppError(.notFound, code: code, message: message)
    }
    public static func conflict(_ code: String, _ message: String) -> AppError {
        AppError(.conflict, code: code, message: message)
    }
    public static func tooManyRequests(retryAfter seconds: Int, _ message: String) -> AppError {
        AppError(.tooManyRequests, code: "rate_limited", message: message, headers: [.retryAfter: String(seconds)])
    }
    public static func unavailable(_ code: String, _ message: String, retryAfter seconds: Int) -> AppError {
        AppError(.serviceUnavailable, code: code, message: message, headers: [.retryAfter: String(seconds)])
    }
    /// An operation this platform knows but does not offer (501).
    public static func notSupported(_ message: String) -> AppError { AppError(.notImplemented, code: "not_supported", message: message) }
    public static func invalidQuery(_ message: String) -> AppError { .badRequest("invalid_query", message) }
    public static let invalidJSON = AppError.badRequest("invalid_json", "The request body must be a JSON object.")
    public static let payloadTooLarge = AppError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")

    // What `RouteTable` answers before a handler runs; the OpenAPI document lists them per operation.
    public static let workspaceRequired = AppError.badRequest("workspace_required", "The X-Workspace-Id header is required.")
    public static let invalidWorkspaceID = AppError.badRequest("invalid_workspace_id", "X-Workspace-Id must be a UUID.")
    public static let workspaceForbidden = AppError.forbidden("workspace_forbidden", "You do not have access to this workspace.")
    public static let workspaceSuspended = AppError.forbidden("workspace_suspended", "The workspace is suspended.")
    public static let workspaceNotReady = AppError.conflict("workspace_not_ready", "The workspace is still being provisioned.")
    public static let migrationRequired = AppError.unavailable(
        "migration_required", "The workspace's data is being upgraded; try again shortly.", retryAfter: 30)
    public static func insufficientPermissions(_ permission: Permission) -> AppError {
        .forbidden("insufficient_permissions", "This action needs the \(permission.name ?? permission.scope ?? "member") permission.")
    }

    // What the authenticator answers for credentials it cannot accept.
    public static let invalidAuthorization = AppError.unauthenticated("invalid_authorization", "Use Authorization: Bearer <token>.")
    public static let invalidToken = AppError.unauthenticated("invalid_token", "The access token is invalid or expired.")
    /// Every refused key, malformed, unknown, revoked, expired or disabled, gets this one answer.
    public static let invalidAPIKey = AppError.unauthenticated("invalid_api_key", "The API key is not valid.")

    public static let internalError = AppError(
        .internalServerError, code: "internal_error", message: "Something went wrong on our side.")
}
