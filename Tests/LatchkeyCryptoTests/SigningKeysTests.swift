import Crypto
import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

/// DESIGN §4: keys are created once, shared through the database, and published as JWKS (active, next, retired).
struct SigningKeysTests {
    /// A `SigningKeyStore` that keeps rows in memory with the protocol's documented semantics.
    actor MemoryStore: SigningKeyStore {
        var rows: [StoredSigningKey] = []

        init(rows: [StoredSigningKey] = []) { self.rows = rows }

        func allKeys() -> [StoredSigningKey] { rows }

        func initialize(active: StoredSigningKey, next: StoredSigningKey) -> Bool {
            guard !rows.contains(where: { $0.status == .active }) else { return false }
            rows += [active, next]
            return true
        }

        func rotate(newNext: StoredSigningKey, now: Int64, retiredPublishUntil: Int64) {
            rows.removeAll { $0.status == .retired && ($0.publishUntil ?? 0) <= now }
            for index in rows.indices {
                switch rows[index].status {
                case .active:
                    rows[index].status = .retired
                    rows[index].retiredAt = now
                    rows[index].publishUntil = retiredPublishUntil
                case .next:
                    rows[index].status = .active
                    rows[index].activatedAt = now
                case .retired:
                    break
                }
            }
            rows.append(newNext)
        }
    }

    struct JWKS: Decodable {
        var keys: [PublicJWK]
    }

    let masterKey = MasterKey.generate()

    func jwks(_ keys: SigningKeys) throws -> [PublicJWK] {
        try JSONDecoder().decode(JWKS.self, from: keys.jwksDocument).keys
    }

    func kids(_ store: MemoryStore, _ status: StoredSigningKey.Status) async -> [String] {
        await store.allKeys().filter { $0.status == status }.map(\.kid)
    }

    @Test("bootstrap creates an active and a next key and publishes both, active first")
    func bootstrap() async throws {
        let store = MemoryStore()
        let keys = SigningKeys(store: store, masterKey: masterKey)
        try await keys.bootstrap(now: 100)
        let active = await kids(store, .active)
        let next = await kids(store, .next)
        #expect(active.count == 1 && next.count == 1)
        #expect(keys.activeKeyID == active.first)
        #expect(try jwks(keys).map(\.kid) == active + next)
        #expect(keys.keys.count == 2)
    }

    @Test("a second instance on the same database reuses the keys")
    func sharedKeys() async throws {
        let store = MemoryStore()
        let first = SigningKeys(store: store, masterKey: masterKey)
        let second = SigningKeys(store: store, masterKey: masterKey)
        try await first.bootstrap(now: 100)
        try await second.bootstrap(now: 200)
        #expect(await store.allKeys().count == 2)
        #expect(second.activeKeyID == first.activeKeyID)
        #expect(second.jwksDocument == first.jwksDocument)
    }

    @Test("an instance with another master key cannot load the keys")
    func otherMasterKey() async throws {
        let store = MemoryStore()
        try await SigningKeys(store: store, masterKey: masterKey).bootstrap(now: 100)
        let intruder = SigningKeys(store: store, masterKey: MasterKey.generate())
        await #expect(throws: SealerError.unknownKeyVersion(masterKey.version)) { try await intruder.bootstrap(now: 100) }
        #expect(intruder.activeKeyID == nil)
    }

    @Test("signing before any key is loaded fails")
    func signWithoutKey() {
        let keys = SigningKeys(store: MemoryStore(), masterKey: masterKey)
        #expect(throws: SigningKeyError.self) { try keys.sign(Data("m".utf8)) }
        #expect(keys.activeKeyID == nil)
        #expect(keys.jwksDocument == Data(#"{"keys":[]}"#.utf8))
    }

    @Test("signatures verify with the published active key and not with the next key")
    func signatureVerifies() async throws {
        let keys = SigningKeys(store: MemoryStore(), masterKey: masterKey)
        try await keys.bootstrap(now: 100)
        let message = Data("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0".utf8)
        let (kid, signatureBytes) = try keys.sign(message)
        #expect(kid == keys.activeKeyID)
        #expect(signatureBytes.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        let published = try jwks(keys)
        for jwk in published {
            let x = try #require(Base64URL.decode(jwk.x))
            let y = try #require(Base64URL.decode(jwk.y))
            let publicKey = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
            #expect(publicKey.isValidSignature(signature, for: message) == (jwk.kid == kid))
        }
    }

    @Test("rotation promotes the next key and keeps the retired key published until its deadline")
    func rotation() async throws {
        let store = MemoryStore()
        let keys = SigningKeys(store: store, masterKey: masterKey)
        try await keys.bootstrap(now: 100)
        let oldActive = try #require(keys.activeKeyID)
        let oldNext = try #require(await kids(store, .next).first)

        try await keys.rotate(now: 1_000, retiredPublishFor: 3_600)
        let newNext = try #require(await kids(store, .next).first)
        #expect(keys.activeKeyID == oldNext)
        #expect(try jwks(keys).map(\.kid) == [oldNext, newNext, oldActive])
        #expect(try keys.sign(Data("m".utf8)).kid == oldNext)

        try await keys.reload(now: 4_599)
        #expect(try jwks(keys).map(\.kid).contains(oldActive))
        try await keys.reload(now: 4_600)
        #expect(try jwks(keys).map(\.kid) == [oldNext, newNext])
    }

    @Test("a tampered active row stops the key from loading")
    func tamperedActiveRow() async throws {
        let store = MemoryStore()
        try await SigningKeys(store: store, masterKey: masterKey).bootstrap(now: 100)
        var rows = await store.allKeys()
        let activeIndex = try #require(rows.firstIndex { $0.status == .active })
        let nextIndex = try #require(rows.firstIndex { $0.status == .next })
        rows[activeIndex].sealedPrivateKey = rows[nextIndex].sealedPrivateKey
        let keys = SigningKeys(store: MemoryStore(rows: rows), masterKey: masterKey)
        await #expect(throws: SealerError.authenticationFailed) { try await keys.reload(now: 100) }
        #expect(keys.activeKeyID == nil)
    }
}
