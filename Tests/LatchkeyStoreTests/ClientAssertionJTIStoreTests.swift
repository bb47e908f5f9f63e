import LatchkeyCore
import LatchkeyStore
import Testing

/// Assertion jtis, on every engine: single use while live, per client, across instances, pruned in bounded batches.
struct ClientAssertionJTIStoreTests {
    @Test("a jti is used once per client until it expires, then the record is taken over", arguments: TestEngine.available)
    func singleUse(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLClientAssertionJTIStore(database: databases[0])
            #expect(try await store.recordUse(jtiHash: "j", clientID: "a", expiresAt: 200, now: 100))
            #expect(try await !store.recordUse(jtiHash: "j", clientID: "a", expiresAt: 250, now: 150))
            // Another client's jti space is its own.
            #expect(try await store.recordUse(jtiHash: "j", clientID: "b", expiresAt: 250, now: 150))
            // Live until its expiry, inclusive of nothing after it.
            #expect(try await !store.recordUse(jtiHash: "j", clientID: "a", expiresAt: 300, now: 199))
            #expect(try await store.recordUse(jtiHash: "j", clientID: "a", expiresAt: 300, now: 200))
            #expect(try await !store.recordUse(jtiHash: "j", clientID: "a", expiresAt: 400, now: 250))
        }
    }

    @Test("of two instances racing with one jti, exactly one wins", arguments: TestEngine.available)
    func race(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { (databases) async throws -> Void in
            let stores = databases.map(SQLClientAssertionJTIStore.init)
            for round in 0..<20 {
                async let first = stores[0].recordUse(jtiHash: "j\(round)", clientID: "a", expiresAt: 200, now: 100)
                async let second = stores[1].recordUse(jtiHash: "j\(round)", clientID: "a", expiresAt: 200, now: 100)
                let wins = try await [first, second].filter { $0 }.count
                #expect(wins == 1)
            }
        }
    }

    @Test("prune deletes only records five minutes past their end, at most limit at a time", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLClientAssertionJTIStore(database: databases[0])
            for index in 0..<5 { _ = try await store.recordUse(jtiHash: "old\(index)", clientID: "a", expiresAt: 100, now: 0) }
            _ = try await store.recordUse(jtiHash: "live", clientID: "a", expiresAt: 300, now: 0)
            // Kept five minutes past their end (clock skew between instances), then pruned in batches.
            #expect(try await store.prune(now: 399, limit: 10) == 0)
            #expect(try await store.prune(now: 400, limit: 2) == 2)
            #expect(try await store.prune(now: 400, limit: 10) == 3)
            #expect(try await store.prune(now: 400, limit: 10) == 0)
            #expect(try await !store.recordUse(jtiHash: "live", clientID: "a", expiresAt: 300, now: 200))
        }
    }
}
