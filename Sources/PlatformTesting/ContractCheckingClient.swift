import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PlatformCore

/// The test client every `TestPlatform` test talks through: each response is checked against its
/// operation's documented status codes, error codes and schema, and a broken promise fails the test.
struct ContractCheckingClient: TestClientProtocol {
    let inner: any TestClientProtocol
    let contract: APIContract

    var port: Int? { inner.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
        let violations = contract.violations(
            method: method, path: uri, status: response.status, contentType: response.headers[.contentType],
            body: Array(buffer: response.body))
        guard violations.isEmpty else {
            throw TestFailure("the response breaks the API contract:\n" + violations.joined(separator: "\n") + "\n" + String(buffer: response.body))
        }
        return response
    }
}
