public import CoreMetrics

/// What the vault reports about handing out upstream access tokens:
/// `latchkey_upstream_refreshes_total{provider, outcome}` for every refresh sent upstream, and the hits and misses
/// of the few-second cache of opened tokens (`latchkey_cache_hits_total{cache="upstream_token"}`, `…_misses_total`).
///
/// `provider` is an id from the operator's `providers` setting, so its values are bounded.
public struct UpstreamMetrics: Sendable {
    public enum Outcome: String, Sendable {
        /// A new token was stored and handed out.
        case refreshed
        /// The upstream refused the refresh token (or the client): the connection needs the user again.
        case needsReauth = "needs_reauth"
        /// The upstream failed (5xx, a timeout, an unusable answer, discovery): the connection is unchanged.
        case failed
        /// The row changed during the refresh (disconnected, re-deposited): nothing from it was kept.
        case discarded
        /// The database refused the write-back: the rotated token is kept in memory until it can be stored.
        case writeFailed = "write_failed"
    }

    let factory: any MetricsFactory
    let cacheHits: Counter
    let cacheMisses: Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        self.cacheHits = Counter(label: "latchkey_cache_hits_total", dimensions: [("cache", "upstream_token")], factory: factory)
        self.cacheMisses = Counter(label: "latchkey_cache_misses_total", dimensions: [("cache", "upstream_token")], factory: factory)
    }

    /// Records nothing.
    public static var disabled: UpstreamMetrics { UpstreamMetrics(factory: NOOPMetricsHandler.instance) }

    func cacheHit() { cacheHits.increment() }
    func cacheMiss() { cacheMisses.increment() }

    func refresh(provider: String, _ outcome: Outcome) {
        Counter(
            label: "latchkey_upstream_refreshes_total", dimensions: [("provider", provider), ("outcome", outcome.rawValue)], factory: factory
        ).increment()
    }
}
