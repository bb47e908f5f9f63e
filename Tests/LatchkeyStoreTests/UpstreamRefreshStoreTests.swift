import LatchkeyCore
import LatchkeyStore
import Testing

/// Refresh coordination on every engine, through two handles as two instances would hold: one lease at a time,
/// write-backs only over the version read, and every write of the tokens bumping the version.
struct UpstreamRefreshStoreTests {
    @Test("one instance holds the lease; a write-back lands once, over the version it read; a reconnect wins", arguments: TestEngine.available)
    func leaseAndCompareAndSwap(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            let one = SQLUpstreamCredentialStore(database: databases[0])
            let two = SQLUpstreamCredentialStore(database: databases[1])
            try await one.put(UpstreamCredentialStoreTests.credential("u1", "github"))
            let read = try #require(try await one.credential(userID: "u1", providerID: "github"))
            #expect(read.version == 0)

            #expect(try await one.acquireRefreshLease(read, owner: "a", until: 130, now: 100))
            #expect(try await !two.acquireRefreshLease(read, owner: "b", until: 130, now: 101))
            // A lease that ran out (its holder died) can be taken over.
            #expect(try await two.acquireRefreshLease(read, owner: "b", until: 170, now: 140))

            var refreshed = read
            refreshed.accessToken = "sealed-new"
            refreshed.refreshedAt = 141
            #expect(try await two.writeRefreshed(refreshed, expectedVersion: read.version))
            // The same write again, or one from the instance whose lease expired, finds a newer version.
            #expect(try await !one.writeRefreshed(refreshed, expectedVersion: read.version))
            let after = try #require(try await one.credential(userID: "u1", providerID: "github"))
            #expect(after.version == 1 && after.accessToken == "sealed-new")
            // The lease ended with the write: the next refresh may start at once.
            #expect(try await one.acquireRefreshLease(after, owner: "a", until: 200, now: 150))

            // A reconnect during that refresh: the put bumps the version and clears the lease; the write-back loses.
            try await two.put(UpstreamCredentialStoreTests.credential("u1", "github", access: "sealed-reconnected", at: 151))
            #expect(try await !one.writeRefreshed(refreshed, expectedVersion: after.version))
            #expect(try await one.credential(userID: "u1", providerID: "github")?.accessToken == "sealed-reconnected")
            // A disconnect during a refresh: nothing is resurrected.
            let current = try #require(try await one.credential(userID: "u1", providerID: "github"))
            #expect(try await one.acquireRefreshLease(current, owner: "a", until: 300, now: 200))
            #expect(try await two.delete(userID: "u1", providerID: "github") != nil)
            #expect(try await !one.writeRefreshed(refreshed, expectedVersion: current.version))
            #expect(try await one.credential(userID: "u1", providerID: "github") == nil)
        }
    }

    @Test("releasing a lease records the error and frees the row only for its holder", arguments: TestEngine.available)
    func release(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            let store = SQLUpstreamCredentialStore(database: databases[0])
            try await store.put(UpstreamCredentialStoreTests.credential("u1", "github"))
            let read = try #require(try await store.credential(userID: "u1", providerID: "github"))
            #expect(try await store.acquireRefreshLease(read, owner: "a", until: 130, now: 100))
            try await store.releaseRefreshLease(read, owner: "b", lastError: "x")
            #expect(try await !store.acquireRefreshLease(read, owner: "c", until: 130, now: 101))
            try await store.releaseRefreshLease(read, owner: "a", lastError: "temporarily_unavailable")
            #expect(try await store.credential(userID: "u1", providerID: "github")?.lastError == "temporarily_unavailable")
            #expect(try await store.acquireRefreshLease(read, owner: "c", until: 130, now: 102))
        }
    }
}
