import LatchkeyCore
import LatchkeyStore
import Testing

/// Pending connect flows, on every engine: consumed once, bounded per user, pruned when expired.
struct UpstreamFlowStoreTests {
    static func flow(_ state: String, user: String = "u1", at time: Int64 = 100) -> UpstreamFlow {
        UpstreamFlow(
            stateHash: state, userID: user, sessionHash: "session-" + user, providerID: "github", codeVerifier: "sealed-v",
            createdAt: time, expiresAt: time + UpstreamFlow.lifetime
        )
    }

    @Test("a flow is consumed once, by whoever presents its state", arguments: TestEngine.available)
    func consumeOnce(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamFlowStore(database: databases[0])
            try await store.create(Self.flow("s1"), maxPerUser: 5)
            #expect(try await store.consume(stateHash: "s1") == Self.flow("s1"))
            #expect(try await store.consume(stateHash: "s1") == nil)
            #expect(try await store.consume(stateHash: "unknown") == nil)
        }
    }

    @Test("a user keeps only the newest pending flows; other users' are untouched", arguments: TestEngine.available)
    func bounded(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamFlowStore(database: databases[0])
            try await store.create(Self.flow("other", user: "u2", at: 1), maxPerUser: 3)
            for index in 0..<5 {
                try await store.create(Self.flow("s\(index)", at: 100 + Int64(index)), maxPerUser: 3)
            }
            #expect(try await store.consume(stateHash: "s0") == nil)
            #expect(try await store.consume(stateHash: "s1") == nil)
            for index in 2..<5 { #expect(try await store.consume(stateHash: "s\(index)") != nil) }
            #expect(try await store.consume(stateHash: "other") != nil)
            // Flows started in the same second: the newest is never the one dropped.
            for state in ["z", "a", "m"] { try await store.create(Self.flow(state, at: 900), maxPerUser: 2) }
            #expect(try await store.consume(stateHash: "m") != nil)
        }
    }

    @Test("expired flows are pruned, live ones kept", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLUpstreamFlowStore(database: databases[0])
            try await store.create(Self.flow("old", at: 0), maxPerUser: 5)
            try await store.create(Self.flow("new", at: 500), maxPerUser: 5)
            #expect(try await store.deleteExpired(now: 700) == 1)
            #expect(try await store.consume(stateHash: "old") == nil)
            #expect(try await store.consume(stateHash: "new") != nil)
        }
    }
}
