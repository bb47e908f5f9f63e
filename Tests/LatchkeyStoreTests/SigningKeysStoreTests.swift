import Foundation
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyStore
import Testing

/// `SigningKeys` over the SQL store: what every instance on one database sees.
struct SigningKeysStoreTests {
    let masterKey = MasterKey.generate()

    @Test("first start creates one active and one next key, both published", arguments: TestEngine.available)
    func bootstrap(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let keys = SigningKeys(store: SQLSigningKeyStore(database: databases[0]), masterKey: masterKey)
            try await keys.bootstrap(now: 1000)
            #expect(keys.keys.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.active, .next])
            let jwks = try JSONDecoder().decode(JWKS.self, from: keys.jwksDocument)
            #expect(jwks.keys.count == 2)
            #expect(jwks.keys.first?.kid == keys.activeKeyID)
            #expect(jwks.keys.allSatisfy { $0.alg == "ES256" && $0.kty == "EC" && $0.crv == "P-256" && $0.d == nil })
        }
    }

    @Test("instances starting together agree on one active key", arguments: TestEngine.available)
    func concurrentBootstrap(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 3) { databases in
            let instances = databases.map { SigningKeys(store: SQLSigningKeyStore(database: $0), masterKey: masterKey) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for instance in instances { group.addTask { try await instance.bootstrap(now: 1000) } }
                try await group.waitForAll()
            }
            for instance in instances { try await instance.reload(now: 1000) }
            let active = Set(instances.compactMap(\.activeKeyID))
            #expect(active.count == 1)
            #expect(instances[0].keys.count == 2)
        }
    }

    @Test("rotation promotes next, keeps the retired key published until its tokens expire", arguments: TestEngine.available)
    func rotation(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            let first = SigningKeys(store: SQLSigningKeyStore(database: databases[0]), masterKey: masterKey)
            let second = SigningKeys(store: SQLSigningKeyStore(database: databases[1]), masterKey: masterKey)
            try await first.bootstrap(now: 1000)
            try await second.bootstrap(now: 1000)
            let oldActive = try #require(first.activeKeyID)
            let oldNext = try #require(first.keys.first { $0.status == .next }?.kid)

            try await first.rotate(now: 2000, retiredPublishFor: 3900)
            #expect(first.activeKeyID == oldNext)
            try await second.reload(now: 2000)
            #expect(second.activeKeyID == oldNext)
            let published = try JSONDecoder().decode(JWKS.self, from: second.jwksDocument).keys.map(\.kid)
            #expect(published.count == 3)
            #expect(published.contains(oldActive))

            // After its window the retired key leaves the JWKS, and the next rotation deletes it.
            try await second.reload(now: 2000 + 3900)
            #expect(try !JSONDecoder().decode(JWKS.self, from: second.jwksDocument).keys.map(\.kid).contains(oldActive))
            try await second.rotate(now: 6000, retiredPublishFor: 3900)
            #expect(!second.keys.map(\.kid).contains(oldActive))
        }
    }

    @Test("keys sealed under one master key cannot be loaded with another", arguments: TestEngine.available)
    func wrongMasterKey(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLSigningKeyStore(database: databases[0])
            try await SigningKeys(store: store, masterKey: masterKey).bootstrap(now: 1000)
            let intruder = SigningKeys(store: store, masterKey: MasterKey.generate())
            await #expect(throws: SealerError.self) { try await intruder.bootstrap(now: 1000) }
        }
    }

    @Test("signatures verify against the published public key", arguments: TestEngine.available)
    func signatureMatchesJWKS(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let keys = SigningKeys(store: SQLSigningKeyStore(database: databases[0]), masterKey: masterKey)
            try await keys.bootstrap(now: 1000)
            let message = Data("header.payload".utf8)
            let (kid, signature) = try keys.sign(message)
            let jwk = try #require(try JSONDecoder().decode(JWKS.self, from: keys.jwksDocument).keys.first { $0.kid == kid })
            #expect(try jwk.verifies(signature, for: message))
            #expect(try !jwk.verifies(signature, for: Data("tampered".utf8)))
        }
    }
}

struct JWKS: Decodable {
    struct Key: Decodable {
        let kid: String
        let kty: String
        let crv: String
        let alg: String
        let x: String
        let y: String
        let d: String?
    }
    let keys: [Key]
}

import Crypto

extension JWKS.Key {
    func verifies(_ signature: Data, for message: Data) throws -> Bool {
        let point = Data([0x04]) + Base64URL.decode(x)! + Base64URL.decode(y)!
        let key = try P256.Signing.PublicKey(x963Representation: point)
        return key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: message)
    }
}
