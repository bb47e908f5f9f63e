import LatchkeyCore
import LatchkeyStore
import Testing

struct SQLClientStoreTests {
    static func client(_ id: String, name: String = "Test App") -> RegisteredClient {
        RegisteredClient(
            clientID: id,
            metadata: ClientMetadata(
                redirectURIs: ["http://127.0.0.1/callback"],
                tokenEndpointAuthMethod: .clientSecretBasic,
                grantTypes: [.authorizationCode, .refreshToken],
                responseTypes: ["code"],
                applicationType: .native,
                clientName: name,
                scope: "mcp:tools",
                contacts: ["ops@example.com"]
            ),
            secretHash: "secret-digest",
            secretExpiresAt: 0,
            registrationTokenHash: "token-digest",
            issuedAt: 1_700_000_000,
            updatedAt: 1_700_000_000,
            kind: .dynamic,
            lastUsedAt: nil
        )
    }

    @Test("stores, reads, updates and deletes a client", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLClientStore(database: databases[0])
            var client = Self.client("c1")
            try await store.create(client)
            #expect(try await store.client(id: "c1") == client)
            #expect(try await store.client(id: "missing") == nil)

            client.metadata.clientName = "Renamed"
            client.secretHash = nil
            client.updatedAt += 5
            #expect(try await !store.update(client, currentTokenHash: "stale-digest"))
            #expect(try await store.client(id: "c1")?.metadata.clientName == "Test App")
            client.registrationTokenHash = "new-digest"
            #expect(try await store.update(client, currentTokenHash: "token-digest"))
            #expect(try await store.client(id: "c1") == client)

            #expect(try await store.delete(id: "c1"))
            #expect(try await !store.delete(id: "c1"))
            #expect(try await store.client(id: "c1") == nil)
            #expect(try await !store.update(client, currentTokenHash: "new-digest"))
        }
    }

    @Test("refuses a duplicate client id and keeps the original", arguments: TestEngine.available)
    func duplicateID(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLClientStore(database: databases[0])
            try await store.create(Self.client("dup", name: "First"))
            await #expect(throws: (any Error).self) { try await store.create(Self.client("dup", name: "Second")) }
            #expect(try await store.client(id: "dup")?.metadata.clientName == "First")
        }
    }

    @Test("lists clients in id order with a cursor", arguments: TestEngine.available)
    func listing(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLClientStore(database: databases[0])
            for id in ["b", "a", "c"] { try await store.create(Self.client(id)) }
            #expect(try await store.list(after: nil, limit: 10).map(\.clientID) == ["a", "b", "c"])
            #expect(try await store.list(after: "a", limit: 1).map(\.clientID) == ["b"])
        }
    }

    @Test("a client registered through one instance is visible to another", arguments: TestEngine.available)
    func sharedAcrossInstances(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            try await SQLClientStore(database: databases[0]).create(Self.client("shared"))
            #expect(try await SQLClientStore(database: databases[1]).client(id: "shared")?.clientID == "shared")
        }
    }
}

struct SQLRevokedTokenStoreTests {
    @Test("records revocations idempotently and prunes them once expired", arguments: TestEngine.available)
    func revocations(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRevokedTokenStore(database: databases[0])
            #expect(try await !store.isRevoked(tokenID: "a"))
            try await store.revoke(tokenID: "a", expiresAt: 100, now: 10)
            try await store.revoke(tokenID: "a", expiresAt: 100, now: 11)
            try await store.revoke(tokenID: "b", expiresAt: 200, now: 20)
            #expect(try await store.isRevoked(tokenID: "a"))
            // What other instances mirror: unexpired revocations recorded since a time.
            #expect(try await store.revoked(since: 0, now: 50) == ["a": 100, "b": 200])
            #expect(try await store.revoked(since: 15, now: 50) == ["b": 200])
            #expect(try await store.revoked(since: 0, now: 150) == ["b": 200])
            #expect(try await store.prune(now: 150, limit: 10) == 1)
            #expect(try await !store.isRevoked(tokenID: "a"))
            #expect(try await store.isRevoked(tokenID: "b"))
        }
    }
}
