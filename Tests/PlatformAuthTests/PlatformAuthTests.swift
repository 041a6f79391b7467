import Foundation
import PlatformCore
import Testing
@testable import PlatformAuth

@Suite struct APIKeyTests {
    @Test func generatedKeysHaveTheDocumentedShapeAndParse() throws {
        let key = APIKey.generate()
        #expect(key.secret.hasPrefix("sk_live_"))
        #expect(key.secret.count == 8 + 32 + 6)
        #expect(APIKey(parsing: key.secret) == key)
        #expect(key.displayPrefix == String(key.secret.prefix(14)))
        #expect(key.digest.count == 32)
        #expect(APIKey.generate() != key)
    }

    @Test func theChecksumCatchesEverySingleCharacterTypo() {
        let key = APIKey.generate().secret
        var caught = 0
        var tried = 0
        for index in key.indices.dropFirst(8) {
            var typo = key
            let replacement: Character = key[index] == "a" ? "b" : "a"
            typo.replaceSubrange(index...index, with: String(replacement))
            tried += 1
            if APIKey(parsing: typo) == nil { caught += 1 }
        }
        #expect(caught == tried)
        #expect(APIKey(parsing: "sk_test_" + key.dropFirst(8)) == nil)
        #expect(APIKey(parsing: key + "x") == nil)
        #expect(APIKey(parsing: String(key.dropLast())) == nil)
    }
}

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: .standard)

    @Test func hashesAreArgon2idPHCStringsThatVerifyOnlyTheRightPassword() async throws {
        let hash = try await hasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("correct horse battery staple", against: hash))
        #expect(try await !hasher.verify("correct horse battery stapler", against: hash))
        #expect(try await !hasher.verify("anything", against: "not a hash"))
        // Salted: the same password never hashes the same way twice.
        #expect(try await hasher.hash("correct horse battery staple") != hash)
    }
}

@Suite struct TokenServiceTests {
    @Test func accessTokensVerifyOnlyWithTheSameSecretAndBeforeExpiry() async throws {
        let service = await TokenService(secret: String(repeating: "k", count: 32), accessTokenLifetime: .seconds(60))
        let user = UUID()
        let token = try await service.accessToken(for: user)
        #expect(await service.verifyAccessToken(token)?.user == user)

        let other = await TokenService(secret: String(repeating: "z", count: 32), accessTokenLifetime: .seconds(60))
        #expect(await other.verifyAccessToken(token) == nil)

        var tampered = Array(token)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(await service.verifyAccessToken(String(tampered)) == nil)

        let expired = await TokenService(secret: String(repeating: "k", count: 32), accessTokenLifetime: .seconds(-5))
        #expect(await service.verifyAccessToken(try await expired.accessToken(for: user)) == nil)
    }

    @Test func refreshTokensAreLongAndRandom() {
        let first = TokenService.newRefreshToken()
        #expect(first.hasPrefix("rt_"))
        #expect(first.count >= 40)
        #expect(TokenService.newRefreshToken() != first)
    }
}
