import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// Turns every error into the SPEC's JSON error shape: framework errors get stable codes, SQLSTATEs
/// that mean bad input map to 4xx once here, and anything unexpected becomes an opaque, logged 500.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.appError(for: error, logger: context.logger).response(from: request, context: context)
        }
    }

    static func appError(for error: any Error, logger: Logger) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as PostgresTransactionError where error.closureError != nil:
            return appError(for: error.closureError!, logger: logger)
        case let error as HTTPError:
            return httpError(error)
        case is NIOTooManyBytesError:
            return AppError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")
        case let error as PSQLError:
            if let mapped = databaseError(error) { return mapped }
            logger.error("database error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }

    private static func httpError(_ error: HTTPError) -> AppError {
        let message = error.body ?? error.status.reasonPhrase
        switch error.status {
        case .notFound: return .notFound("not_found", "No route matches this path.")
        case .methodNotAllowed: return AppError(.methodNotAllowed, code: "method_not_allowed", message: message)
        case .contentTooLarge: return AppError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")
        case .unsupportedMediaType: return AppError(.unsupportedMediaType, code: "unsupported_media_type", message: message)
        case .badRequest: return .badRequest("bad_request", message)
        case .unauthorized: return .unauthenticated()
        default: return AppError(error.status, code: error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"), message: message)
        }
    }

    private static func databaseError(_ error: PSQLError) -> AppError? {
        guard let state = error.serverInfo?[.sqlState] else { return nil }
        switch state {
        case "23505": return .conflict("conflict", "A resource with these values already exists.")
        case "23503": return .conflict("conflict", "The request refers to a resource that does not exist or is still in use.")
        case "23514", "22001", "22003", "22007", "22008", "22021", "22P02", "22023", "22P05", "54000":
            return .validation("A value is out of range or malformed.", fields: [:])
        default: return nil
        }
    }
}
