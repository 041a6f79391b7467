import CArgon2
import Crypto
import Foundation
import NIOPosix
import PlatformCore

/// argon2id through libargon2, run on NIO's blocking thread pool so a 20 ms hash never stalls an
/// event loop or a cooperative-pool thread. Hashes are PHC strings (`$argon2id$v=19$m=…`).
public struct PasswordHasher: Sendable {
    public let cost: PasswordHashingCost
    private let threadPool: NIOThreadPool

    public init(cost: PasswordHashingCost = .standard, threadPool: NIOThreadPool = .singleton) {
        self.cost = cost
        self.threadPool = threadPool
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive { try Self.hashBlocking(password, cost: cost) }
    }

    /// False for a wrong password and for anything that is not an argon2id hash.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await threadPool.runIfActive {
            let result = argon2id_verify(encoded, password, password.utf8.count)
            return result == ARGON2_OK.rawValue
        }
    }

    static func hashBlocking(_ password: String, cost: PasswordHashingCost) throws -> String {
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
