import LatchkeyCore
import LatchkeyCrypto
import LatchkeyStore
import Testing

/// The writes a master-key rotation makes, on every engine: pages over the vault, and compare-and-swap re-seals that
/// never overwrite a value written meanwhile.
struct ResealStoreTests {
    @Test("the vault pages in (user, provider) order, and a re-seal lands only on the values it read", arguments: TestEngine.available)
    func vault(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamCredentialStore(database: databases[0])
            for (user, provider) in [("u2", "github"), ("u1", "google"), ("u1", "github")] {
                try await store.put(UpstreamCredentialStoreTests.credential(user, provider))
            }
            let first = try await store.page(after: nil, limit: 2)
            #expect(first.map { "\($0.userID)/\($0.providerID)" } == ["u1/github", "u1/google"])
            #expect(try await store.page(after: first.last, limit: 2).map(\.userID) == ["u2"])

            let read = try #require(first.first)
            #expect(try await store.replaceSealed(read, accessToken: "resealed-a", refreshToken: "resealed-r"))
            #expect(try await store.credential(userID: "u1", providerID: "github")?.refreshToken == "resealed-r")
            // `read` is stale now: a second write with it changes nothing.
            #expect(try await !store.replaceSealed(read, accessToken: "x", refreshToken: "y"))
            #expect(try await store.credential(userID: "u1", providerID: "github")?.accessToken == "resealed-a")
        }
    }

    @Test("signing keys and server secrets are replaced only if unchanged", arguments: TestEngine.available)
    func keysAndSecrets(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let keys = SQLSigningKeyStore(database: databases[0])
            try await SigningKeys(store: keys, masterKey: MasterKey.generate()).bootstrap(now: 1)
            let key = try #require(try await keys.allKeys().first)
            #expect(try await keys.replaceSealedPrivateKey(kid: key.kid, from: key.sealedPrivateKey, to: "new"))
            #expect(try await !keys.replaceSealedPrivateKey(kid: key.kid, from: key.sealedPrivateKey, to: "newer"))
            #expect(try await keys.allKeys().first { $0.kid == key.kid }?.sealedPrivateKey == "new")

            let secrets = SQLServerSecretStore(database: databases[0])
            #expect(try await secrets.sealedValue(named: "pepper") == nil)
            #expect(try await secrets.insert(named: "pepper", sealed: "a", now: 1))
            #expect(try await !secrets.insert(named: "pepper", sealed: "b", now: 2))
            #expect(try await !secrets.replace(named: "pepper", from: "b", to: "c"))
            #expect(try await secrets.replace(named: "pepper", from: "a", to: "c"))
            #expect(try await secrets.sealedValue(named: "pepper") == "c")
        }
    }
}
