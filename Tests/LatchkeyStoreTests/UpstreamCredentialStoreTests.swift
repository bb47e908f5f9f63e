import LatchkeyCore
import LatchkeyStore
import Testing

/// The vault's rows, on every engine: one per (user, provider), reached only by both exact ids.
struct UpstreamCredentialStoreTests {
    static func credential(_ user: String, _ provider: String, access: String? = "sealed-a", at time: Int64 = 10) -> StoredUpstreamCredential {
        StoredUpstreamCredential(
            userID: user, providerID: provider, accessToken: access, refreshToken: "sealed-r", tokenType: "Bearer", scopes: ["repo", "read:user"],
            account: "@octocat", accessTokenExpiresAt: 3600, connectedAt: time
        )
    }

    @Test("put, read, replace, list, delete (idempotent)", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamCredentialStore(database: databases[0])
            try await store.put(Self.credential("u1", "github"))
            try await store.put(Self.credential("u1", "google"))
            try await store.put(Self.credential("u2", "github"))
            #expect(try await store.credential(userID: "u1", providerID: "github") == Self.credential("u1", "github"))
            var replaced = Self.credential("u1", "github", access: nil, at: 20)
            replaced.status = .needsReauth
            replaced.lastError = "invalid_grant"
            try await store.put(replaced)
            replaced.version = 1  // every write of the tokens bumps it
            #expect(try await store.credential(userID: "u1", providerID: "github") == replaced)
            #expect(try await store.list(userID: "u1").map(\.providerID) == ["github", "google"])
            #expect(try await store.delete(userID: "u1", providerID: "github") == replaced)
            #expect(try await store.delete(userID: "u1", providerID: "github") == nil)
            #expect(try await store.credential(userID: "u2", providerID: "github") != nil)
        }
    }

    @Test("a user id with ':', '|' or '%' reaches no one else's rows", arguments: TestEngine.available)
    func exactIDs(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamCredentialStore(database: databases[0])
            try await store.put(Self.credential("alice", "github"))
            try await store.put(Self.credential("alice:github", "x"))
            for probe in ["alice:", "alice|github", "alice%", "%", "_lice", "alice:github"] {
                #expect(try await store.credential(userID: probe, providerID: "github") == nil)
                #expect(try await store.list(userID: probe).allSatisfy { $0.userID == probe })
                #expect(try await store.delete(userID: probe, providerID: "github") == nil)
            }
            #expect(try await store.credential(userID: "alice", providerID: "github") != nil)
        }
    }

    @Test("associated data is unambiguous: no two (user, provider, field) triples share it")
    func associatedData() {
        let triples: [(String, String)] = [("a|b", "c"), ("a", "b|c"), ("a:1", "b"), ("a", "1:b"), ("1:a", "b")]
        var seen: Set<String> = []
        for (user, provider) in triples {
            for field in VaultField.allCases {
                #expect(seen.insert(field.associatedData(userID: user, providerID: provider)).inserted)
            }
        }
    }
}
