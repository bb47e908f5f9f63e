import CoreMetrics

/// Hits and misses of one in-memory cache, made once with their labels so that recording is one increment:
/// `latchkey_cache_hits_total{cache}` and `latchkey_cache_misses_total{cache}`; the hit ratio is
/// `hits / (hits + misses)`.
struct CacheMetrics: Sendable {
    let hits: Counter
    let misses: Counter

    init(cache: String, factory: any MetricsFactory) {
        self.hits = Counter(label: "latchkey_cache_hits_total", dimensions: [("cache", cache)], factory: factory)
        self.misses = Counter(label: "latchkey_cache_misses_total", dimensions: [("cache", cache)], factory: factory)
    }

    /// Records nothing.
    static var disabled: CacheMetrics { CacheMetrics(cache: "none", factory: NOOPMetricsHandler.instance) }

    func hit() { hits.increment() }
    func miss() { misses.increment() }
}
