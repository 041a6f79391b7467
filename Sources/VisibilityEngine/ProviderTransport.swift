import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one JSON POST with the retry policy and maps every failure to a `ProviderError`.
struct ProviderTransport: Sendable {
    struct Response {
        let headers: HTTPHeaders
        let body: Data
        let attempts: Int
    }

    static let maximumResponseBytes = 16 * 1024 * 1024

    let httpClient: HTTPClient
    let retryPolicy: RetryPolicy

    func postJSON(url: String, headers: [(String, String)], body: Data) async throws(ProviderError) -> Response {
        var attempt = 0
        while true {
            attempt += 1
            let isLastAttempt = attempt >= retryPolicy.maximumAttempts
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))

            let status: Int
            let responseHeaders: HTTPHeaders
            let responseBody: Data
            do {
                let response = try await httpClient.execute(request, timeout: Self.timeAmount(retryPolicy.requestTimeout))
                let buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
                status = Int(response.status.code)
                responseHeaders = response.headers
                responseBody = Data(buffer.readableBytesView)
            } catch {
                let failure = Self.providerError(for: error, attempts: attempt)
                if isLastAttempt { throw failure }
                await sleep(retryPolicy.delay(afterAttempt: attempt, retryAfter: nil))
                continue
            }

            if (200..<300).contains(status) {
                return Response(headers: responseHeaders, body: responseBody, attempts: attempt)
            }
            let message = Self.errorMessage(from: responseBody)
            guard RetryPolicy.isRetryable(status: status) else {
                throw .requestRejected(status: status, message: message)
            }
            if isLastAttempt { throw .unavailable(status: status, attempts: attempt, message: message) }
            let retryAfter = RetryPolicy.parseRetryAfter(responseHeaders.first(name: "Retry-After"))
            await sleep(retryPolicy.delay(afterAttempt: attempt, retryAfter: retryAfter))
        }
    }

    private func sleep(_ duration: Duration) async {
        try? await Task.sleep(for: duration)
    }

    private static func providerError(for error: any Error, attempts: Int) -> ProviderError {
        if let clientError = error as? HTTPClientError,
            [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(clientError)
        {
            return .timedOut(attempts: attempts)
        }
        return .transport(String(describing: error))
    }

    /// Both OpenAI and Gemini report `{"error": {"message": "..."}}`.
    static func errorMessage(from body: Data) -> String {
        struct Envelope: Decodable {
            struct Detail: Decodable { let message: String? }
            let error: Detail?
        }
        if let message = (try? JSONDecoder().decode(Envelope.self, from: body))?.error?.message {
            return message
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
