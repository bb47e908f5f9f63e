import Foundation
import LatchkeyCore
@testable import LatchkeyServer
import LatchkeyStore
import Testing

/// The in-memory caches in front of the store: they may be briefly stale about other instances, never wrong
/// about this one, and never fail open.
struct CachingTests {
    /// A store that counts reads and can be made to fail.
    final class CountingRevokedStore: RevokedTokenStore, @unchecked Sendable {
        var rows: [String: (expiresAt: Int64, revokedAt: Int64)] = [:]
        var reads = 0
        var failing = false
        struct Down: Error {}

        func revoke(tokenID: String, expiresAt: Int64, now: Int64) async throws {
            if failing { throw Down() }
            rows[tokenID] = (expiresAt, now)
        }
        func isRevoked(tokenID: String) async throws -> Bool {
            reads += 1
            if failing { throw Down() }
            return rows[tokenID] != nil
        }
        func revoked(since: Int64, now: Int64) async throws -> [String: Int64] {
            if failing { throw Down() }
            return rows.filter { $0.value.revokedAt >= since && $0.value.expiresAt > now }.mapValues(\.expiresAt)
        }
        func prune(now: Int64, limit: Int) async throws -> Int { 0 }
    }

    @Test("the revocation list sees its own revocations at once and other instances' after a sync")
    func revocationList() async throws {
        let store = CountingRevokedStore()
        let list = RevocationList(store: store, staleAfter: .seconds(60))
        try await list.sync(now: 100)
        try await list.revoke(tokenID: "mine", expiresAt: 500, now: 100)
        #expect(try await list.check("mine"))
        store.rows["theirs"] = (500, 101)  // another instance
        #expect(try await !list.check("theirs"))
        try await list.sync(now: 102)
        #expect(try await list.check("theirs"))
        // A revocation recorded with a clock a few seconds behind is still picked up (overlap).
        store.rows["skewed"] = (500, 95)
        try await list.sync(now: 103)
        #expect(try await list.check("skewed"))
        #expect(store.reads == 0)
        // Expired entries are forgotten.
        try await list.sync(now: 600)
        #expect(try await !list.check("mine"))
    }

    @Test("a list that cannot sync goes stale and sends checks to the store, which fails closed")
    func staleRevocationList() async throws {
        let store = CountingRevokedStore()
        let list = RevocationList(store: store, staleAfter: .zero)
        #expect(list.isRevoked("x") == nil)  // never synced
        try await list.sync(now: 100)
        #expect(list.isRevoked("x") == nil)  // stale at once with staleAfter 0
        store.rows["x"] = (500, 100)
        #expect(try await list.check("x"))
        #expect(store.reads == 1)
        store.failing = true
        await #expect(throws: CountingRevokedStore.Down.self) { try await list.check("y") }
    }

    final class CountingClientStore: ClientStore, @unchecked Sendable {
        var clients: [String: RegisteredClient] = [:]
        var reads = 0
        func create(_ client: RegisteredClient) async throws { clients[client.clientID] = client }
        func client(id: String) async throws -> RegisteredClient? {
            reads += 1
            return clients[id]
        }
        func update(_ client: RegisteredClient, currentTokenHash: String) async throws -> Bool {
            clients[client.clientID] = client
            return true
        }
        func delete(id: String) async throws -> Bool { clients.removeValue(forKey: id) != nil }
        func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient] { Array(clients.values) }
    }

    static func client(_ id: String, name: String = "A") -> RegisteredClient {
        RegisteredClient(
            clientID: id,
            metadata: ClientMetadata(
                redirectURIs: ["http://127.0.0.1/cb"], tokenEndpointAuthMethod: .none, grantTypes: [.authorizationCode],
                responseTypes: ["code"], applicationType: .native, clientName: name
            ),
            secretHash: nil, secretExpiresAt: 0, registrationTokenHash: "h", issuedAt: 0, updatedAt: 0, kind: .dynamic, lastUsedAt: nil
        )
    }

    @Test("the client cache serves repeats from memory, forgets on local update and delete, and never caches unknown ids")
    func clientCache() async throws {
        let base = CountingClientStore()
        let cache = ClientCache(base: base, ttl: .seconds(60))
        try await cache.create(Self.client("a"))
        #expect(try await cache.client(id: "a")?.metadata.clientName == "A")
        #expect(try await cache.client(id: "a") != nil)
        #expect(base.reads == 1)
        _ = try await cache.update(Self.client("a", name: "B"), currentTokenHash: "h")
        #expect(try await cache.client(id: "a")?.metadata.clientName == "B")
        _ = try await cache.delete(id: "a")
        #expect(try await cache.client(id: "a") == nil)
        #expect(try await cache.client(id: "a") == nil)
        #expect(base.reads == 4)
        let off = ClientCache(base: base, ttl: .zero)
        try await off.create(Self.client("c"))
        _ = try await off.client(id: "c")
        _ = try await off.client(id: "c")
        #expect(base.reads == 6)
    }

    @Test("a cached client is read again once its TTL has passed")
    func clientCacheExpiry() async throws {
        let base = CountingClientStore()
        let cache = ClientCache(base: base, ttl: .milliseconds(20))
        try await cache.create(Self.client("a"))
        _ = try await cache.client(id: "a")
        _ = try await cache.client(id: "a")
        #expect(base.reads == 1)
        try await Task.sleep(for: .milliseconds(40))
        _ = try await cache.client(id: "a")
        #expect(base.reads == 2)
    }
}
