import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PlatformCore

/// Stripe's REST API over its real wire format: form-encoded requests (nested keys in brackets),
/// `Authorization: Bearer <secret key>`, a pinned `Stripe-Version`, an `Idempotency-Key` on every
/// create, JSON answers, and errors as `{"error": {"type", "code", "message", "param"}}`.
struct StripeClient: Sendable {
    let httpClient: HTTPClient
    let secretKey: String
    var baseURL = "https://api.stripe.com"

    static let apiVersion = "2024-06-20"
    static let maximumResponseBytes = 4 * 1024 * 1024

    /// Stripe refused the request (a card declined is 402 `payment_failed`), or could not be reached.
    static func failure(_ status: Int, _ error: JSONValue?) -> AppError {
        let type = error?["type"]?.stringValue
        let details: JSONValue = [
            "stripe_status": .number(Double(status)), "type": error?["type"] ?? .null, "code": error?["code"] ?? .null, "param": error?["param"] ?? .null,
        ]
        let message = error?["message"]?.stringValue ?? "The payment provider refused the request."
        if type == "card_error" {
            return AppError(HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), code: "payment_failed", message: message, details: details)
        }
        return AppError(.badGateway, code: "payment_provider_error", message: message, details: details)
    }

    static let unreachable = AppError(.badGateway, code: "payment_provider_unreachable", message: "The payment provider could not be reached.")

    /// `POST /v1/<path>` with `form` (Stripe creates and updates with POST); `idempotencyKey`
    /// makes a retry the first request.
    func create(_ path: String, _ form: [(String, String)], idempotencyKey: String? = nil, logger: Logger) async throws -> JSONValue {
        try await send(.POST, path, form: form, idempotencyKey: idempotencyKey, timeout: .seconds(30), logger: logger)
    }

    /// `DELETE /v1/<path>` (how Stripe cancels a subscription now).
    func delete(_ path: String, logger: Logger) async throws -> JSONValue {
        try await send(.DELETE, path, form: [], idempotencyKey: nil, timeout: .seconds(30), logger: logger)
    }

    /// `GET /v1/<path>?<query>`.
    func retrieve(_ path: String, _ query: [(String, String)] = [], timeout: TimeAmount = .seconds(30), logger: Logger) async throws -> JSONValue {
        try await send(.GET, path, form: query, idempotencyKey: nil, timeout: timeout, logger: logger)
    }

    private func send(
        _ method: HTTPMethod, _ path: String, form: [(String, String)], idempotencyKey: String?, timeout: TimeAmount, logger: Logger
    ) async throws -> JSONValue {
        let encoded = Self.formEncode(form)
        var url = "\(baseURL)/v1/\(path)"
        if method != .POST, !encoded.isEmpty { url += "?" + encoded }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch {
            logger.warning("stripe unreachable", metadata: ["path": "\(path)", "error": "\(String(reflecting: error))"])
            throw Self.unreachable
        }
        let json = try? JSONParser.parse(body.readableBytesView)
        guard (200..<300).contains(status) else {
            logger.notice("stripe refused", metadata: ["path": "\(path)", "status": "\(status)", "type": "\(json?["error"]?["type"]?.stringValue ?? "-")"])
            throw Self.failure(status, json?["error"])
        }
        guard let json else { throw Self.failure(status, nil) }
        return json
    }

    /// Whether `text` can be a Stripe object id (`price_1Q2w…`, `pm_card_visa`): letters, digits and
    /// underscores, so one put in a path can only ever name an object.
    static func isID(_ text: String) -> Bool {
        (1...255).contains(text.utf8.count) && text.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
        }
    }

    /// `application/x-www-form-urlencoded`, as Stripe reads it: keys as given (brackets for
    /// nesting, `line_items[0][price]`), both sides percent-encoded except unreserved characters.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
