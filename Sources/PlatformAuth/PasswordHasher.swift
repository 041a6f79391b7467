import CArgon2
import Crypto
import Foundation
import NIOPosix
import PlatformCore

/// argon2id through libargon2, on a thread pool of its own whose threads run only when a core is
/// otherwise idle (SCHED_IDLE): hashing uses every idle core, but a request that needs a core gets
/// it first, so a burst of logins never stalls the event loops or the cooperative pool (measured by
/// `platform bench auth`). Hashes are PHC strings (`$argon2id$v=19$m=…`).
public struct PasswordHasher: Sendable {
    public let cost: PasswordHashingCost
    private let threadPool: NIOThreadPool

    public init(cost: PasswordHashingCost = .standard, threadPool: NIOThreadPool = PasswordHasher.pool) {
        self.cost = cost
        self.threadPool = threadPool
    }

    /// One thread per core, started once for the process.
    public static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: ProcessInfo.processInfo.activeProcessorCount)
        pool.start()
        return pool
    }()

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive {
            Self.yieldToRequests()
            return try Self.hashBlocking(password, cost: cost)
        }
    }

    /// False for a wrong password and for anything that is not an argon2id hash.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await threadPool.runIfActive {
            Self.yieldToRequests()
            return Self.verifyBlocking(password, against: encoded)
        }
    }

    /// SCHED_IDLE for the hashing thread (a cheap call; the pool is the hasher's own).
    private static func yieldToRequests() {
        _ = platform_yield_thread_to_others()
    }

    /// A verify on the calling thread: the bare libargon2 cost, for benchmarks.
    public static func verifyBlocking(_ password: String, against encoded: String) -> Bool {
        argon2id_verify(encoded, password, password.utf8.count) == ARGON2_OK.rawValue
    }

    public static func hashBlocking(_ password: String, cost: PasswordHashingCost) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        let hashLength = 32
        let encodedLength = argon2_encodedlen(cost.iterations, cost.memoryKiB, cost.parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let result = argon2id_hash_encoded(
            cost.iterations, cost.memoryKiB, cost.parallelism,
            password, password.utf8.count, salt, salt.count, hashLength, &encoded, encodedLength)
        guard result == ARGON2_OK.rawValue else { throw PasswordHashingError(code: result) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

public struct PasswordHashingError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String { "argon2 failed: \(String(cString: argon2_error_message(code)))" }
}
