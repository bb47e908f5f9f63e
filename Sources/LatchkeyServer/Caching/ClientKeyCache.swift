import Foundation
import LatchkeyCore
import LatchkeyEgress
import NIOFoundationEssentialsCompat

/// The public keys a `private_key_jwt` client's assertions verify with, as a function of its metadata alone (`jwks`
/// or `jwks_uri`): a client synthesised from a Client ID Metadata Document is served by the same code.
///
/// A `jwks_uri` is fetched through `LatchkeyEgress` (resolved-address checks, no redirects, time and size caps) and
/// kept `freshFor` seconds. A `kid` the cached set lacks (the client rotated) refetches, but at most once per
/// `minimumRefetchInterval` per URI, and a failed fetch is not retried sooner either, so assertions naming random
/// `kid`s or a dead URI cannot make the server call out on every request. Concurrent misses share one fetch. Stale
/// keys are never used: a client that removed a key must see it refused within `freshFor`.
actor ClientKeyCache {
    /// Seconds a fetched key set is used.
    static let freshFor: Int64 = 600
    /// Seconds between two fetches of one URI (after an unknown `kid`, or a failure).
    static let minimumRefetchInterval: Int64 = 30
    /// Largest `jwks_uri` document, in bytes.
    static let maxDocumentBytes = 64 * 1024

    struct Entry {
        var keys: ClientJWKSet?
        var fetchedAt: Int64
        var lastAttempt: Int64
        var inFlight: Task<ClientJWKSet, any Error>?
    }

    typealias Fetch = @Sendable (_ url: String) async throws -> Data

    let fetch: Fetch
    let clock: UnixClock
    let capacity: Int
    let metrics: CacheMetrics
    var entries: [String: Entry] = [:]

    init(fetch: @escaping Fetch, clock: UnixClock, capacity: Int = 1000, metrics: CacheMetrics = .disabled) {
        self.fetch = fetch
        self.clock = clock
        self.capacity = capacity
        self.metrics = metrics
    }

    /// Fetches through `egress`: a `200` with the body, anything else an error.
    static func fetching(through egress: EgressClient) -> Fetch {
        { url in
            let response = try await egress.send(.init(url: url, headers: [("Accept", "application/jwk-set+json, application/json")]))
            guard response.status == 200 else { throw ClientKeyFetchError("\(url) answered \(response.status)") }
            return Data(buffer: response.body)
        }
    }

    /// The keys for `metadata`; `kid` is the one the assertion names, which may warrant a refetch.
    func keys(for metadata: ClientMetadata, kid: String?) async throws -> ClientJWKSet {
        if let jwks = metadata.jwks { return jwks }
        guard let uri = metadata.jwksURI else { throw ClientKeyFetchError("the client registered neither jwks nor jwks_uri") }
        return try await published(at: uri, kid: kid)
    }

    func published(at uri: String, kid: String?) async throws -> ClientJWKSet {
        let now = clock.now()
        let entry = entries[uri]
        let fresh = entry.flatMap { entry in now - entry.fetchedAt < Self.freshFor ? entry.keys : nil }
        let mayFetch = entry.map { now - $0.lastAttempt >= Self.minimumRefetchInterval } ?? true
        if let fresh {
            guard let kid, !fresh.keys.contains(where: { $0.kid == kid }), mayFetch || entry?.inFlight != nil else {
                metrics.hit()
                return fresh
            }
        }
        // Whatever follows (a fetch, joining one, or a refusal to fetch again so soon) did not find the keys here.
        metrics.miss()
        if fresh == nil, !mayFetch, entry?.inFlight == nil {
            throw ClientKeyFetchError("\(uri) was fetched less than \(Self.minimumRefetchInterval) s ago without success")
        }
        if let running = entry?.inFlight { return try await running.value }
        let fetch = self.fetch
        let task = Task { try Self.parse(try await fetch(uri)) }
        makeRoom()
        entries[uri] = Entry(keys: entry?.keys, fetchedAt: entry?.fetchedAt ?? 0, lastAttempt: now, inFlight: task)
        do {
            let keys = try await task.value
            entries[uri] = Entry(keys: keys, fetchedAt: clock.now(), lastAttempt: now, inFlight: nil)
            return keys
        } catch {
            entries[uri]?.inFlight = nil
            // A failed refetch for an unknown kid leaves the fresh set in place; the assertion fails on its kid.
            if let fresh { return fresh }
            throw error
        }
    }

    /// A `jwks_uri` document, bounded before parsing; keys for other uses are skipped, private keys refuse it all.
    static func parse(_ body: Data) throws -> ClientJWKSet {
        guard JSONNesting.isWithin(8, body), let document = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw ClientKeyFetchError("the jwks_uri document is not JSON")
        }
        do {
            return try ClientJWKSPolicy(mode: .published).validate(document, field: "jwks_uri document")
        } catch let error as OAuthError {
            throw ClientKeyFetchError(error.description)
        }
    }

    /// Bounded: at capacity, drop what is not fresh, then everything not being fetched.
    func makeRoom() {
        guard entries.count >= capacity else { return }
        let now = clock.now()
        entries = entries.filter { $0.value.inFlight != nil || now - $0.value.fetchedAt < Self.freshFor }
        if entries.count >= capacity { entries = entries.filter { $0.value.inFlight != nil } }
    }
}

/// Why a client's keys could not be had; logged, never shown to the client.
struct ClientKeyFetchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
