import LatchkeyCore
import Synchronization

/// A `ClientStore` that remembers clients it has read for `ttl`, so the token, introspection and authorization
/// endpoints do not read the registry on every request.
///
/// Updates and deletions through this instance take effect here at once; those made through another instance (or
/// `latchkey clients delete`) within `ttl` — a deleted client, a rotated secret — are the price, and why `ttl` is
/// short (5 s by default; 0 turns the cache off). Unknown ids are never cached, so probing cannot fill it.
final class ClientCache: ClientStore {
    struct Entry: Sendable {
        var client: RegisteredClient
        var until: ContinuousClock.Instant
    }

    let base: any ClientStore
    let ttl: Duration
    let capacity: Int
    let entries = Mutex<[String: Entry]>([:])
    let metrics: CacheMetrics

    init(base: any ClientStore, ttl: Duration, capacity: Int = 10_000, metrics: CacheMetrics = .disabled) {
        self.base = base
        self.ttl = ttl
        self.capacity = capacity
        self.metrics = metrics
    }

    func create(_ client: RegisteredClient) async throws {
        try await base.create(client)
    }

    func client(id: String) async throws -> RegisteredClient? {
        guard ttl > .zero else { return try await base.client(id: id) }
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[id] }), hit.until > now {
            metrics.hit()
            return hit.client
        }
        metrics.miss()
        guard let client = try await base.client(id: id) else {
            forget(id)
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = Entry(client: client, until: now + ttl)
        }
        return client
    }

    func update(_ client: RegisteredClient, currentTokenHash: String) async throws -> Bool {
        // Forget before and after: a read racing the write could otherwise cache the old client again.
        forget(client.clientID)
        defer { forget(client.clientID) }
        return try await base.update(client, currentTokenHash: currentTokenHash)
    }

    func delete(id: String) async throws -> Bool {
        forget(id)
        defer { forget(id) }
        return try await base.delete(id: id)
    }

    func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient] {
        try await base.list(after: cursor, limit: limit)
    }

    func forget(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
