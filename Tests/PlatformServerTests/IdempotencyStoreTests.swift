@_spi(TenantProvisioning) @testable import PlatformCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PlatformServer
import PlatformTesting
import Testing

/// The idempotency helper on a tenant's own table (the control one is covered through signup):
/// the first answer is kept and replayed, another body is refused, a retry while the first runs is
/// a 409, and a failed first attempt leaves the key free.
@Suite struct IdempotencyStoreTests {
    @Test func aTenantsKeysReplayRefuseAndFreeUpAsTheyShould() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            try await PlatformServer.withClient(platform.config.tenantDatabase, maximumConnections: 4, logger: TestDatabase.logger) { pool in
                let db = try TenantPools([TenantPools.primary: pool]).database(workspaceID: owner.workspaceID)
                let store = IdempotencyStore(db: db, table: db.table("idempotency_keys"))
                let logger = TestDatabase.logger
                let body = ByteBuffer(string: #"{"query": "best crm", "provider": "openai"}"#)
                let reordered = ByteBuffer(string: #"{"provider":"openai","query":"best crm"}"#)
                let runs = Counter()
                func call(
                    _ key: String, _ body: ByteBuffer, answer: String = #"{"run":1}"#, during: @Sendable () async -> Void = {}
                ) async throws -> (String, String?) {
                    let response = try await store.respond(key: key, scope: "POST /runs user:1", body: body, status: .accepted, logger: logger) {
                        await runs.increment()
                        await during()
                        return ByteBuffer(string: answer)
                    }
                    let text = String(buffer: try await response.body.collectForTest())
                    return (text, response.headers[IdempotencyStore.replayedHeader])
                }

                let first = try await call("k1", body)
                let replay = try await call("k1", reordered, answer: #"{"run":2}"#)
                #expect(first.0 == #"{"run":1}"# && first.1 == nil)
                #expect(replay.0 == #"{"run":1}"# && replay.1 == "true", "key order does not make a body different")
                #expect(await runs.value == 1)
                await #expect(throws: AppError.self) { _ = try await call("k1", ByteBuffer(string: #"{"query":"other"}"#)) }

                // The first k2 request holds its handler open until the retry has been answered.
                let (started, startedSignal) = AsyncStream<Void>.makeStream()
                let (release, releaseSignal) = AsyncStream<Void>.makeStream()
                async let slow = call("k2", body) {
                    startedSignal.yield()
                    for await _ in release { break }
                }
                for await _ in started { break }
                let busy = await #expect(throws: AppError.self) { _ = try await call("k2", body) }
                #expect(busy?.code == "idempotency_conflict")
                releaseSignal.yield()
                #expect(try await slow.0 == #"{"run":1}"#)

                await #expect(throws: CancellationError.self) {
                    _ = try await store.respond(key: "k3", scope: "POST /runs user:1", body: body, status: .accepted, logger: logger) {
                        throw CancellationError()
                    }
                }
                #expect(try await call("k3", body).1 == nil, "a failed first attempt stores nothing")
                #expect(try await db.value(Int.self, "SELECT count(*)::int FROM \(db.table("idempotency_keys"))", logger: logger) == 3)
            }
        }
    }

    actor Counter {
        var value = 0
        func increment() { value += 1 }
    }
}

extension ResponseBody {
    /// The whole body of a response built in memory.
    func collectForTest() async throws -> ByteBuffer {
        let collected = Collected()
        try await write(Collector(collected: collected))
        return collected.buffer
    }
}

/// Written by one writer, read after it finished.
private final class Collected: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct Collector: ResponseBodyWriter {
    let collected: Collected
    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        collected.buffer.writeBuffer(&buffer)
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
