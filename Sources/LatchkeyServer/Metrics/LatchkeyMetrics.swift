public import CoreMetrics
public import Prometheus

/// The metrics of one runtime: a `MetricsFactory` every part that counts is given, and, when metrics are on, the
/// Prometheus registry behind it that `metrics-listen` serves.
///
/// Passed, never bootstrapped: `MetricsSystem.bootstrap` is process-wide and may run once, so two runtimes in one
/// process (the tests run many) would share one set of counters, and a test could not tell its requests from
/// another's. Each runtime makes its own registry instead; when metrics are off the factory is swift-metrics'
/// no-op, and recording costs a call that does nothing.
public struct LatchkeyMetrics: Sendable {
    public let factory: any MetricsFactory
    /// What `GET /metrics` renders; `nil` when metrics are off.
    public let registry: PrometheusCollectorRegistry?

    /// Histogram buckets for every duration, in seconds: 1 ms (a cached lookup) to 10 s (a request stuck behind a
    /// database that is down: the pool gives up at 10 s). bcrypt at cost 12 lands in the 100–500 ms buckets.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    init(factory: any MetricsFactory, registry: PrometheusCollectorRegistry?) {
        self.factory = factory
        self.registry = registry
    }

    /// Records nothing (no `metrics-listen`, and the operator commands).
    public static var disabled: LatchkeyMetrics { LatchkeyMetrics(factory: NOOPMetricsHandler.instance, registry: nil) }

    /// A registry of its own, with Latchkey's duration buckets.
    public static func prometheus() -> LatchkeyMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        return LatchkeyMetrics(factory: factory, registry: registry)
    }

    /// The Prometheus text exposition of everything recorded so far; empty when metrics are off.
    public func exposition() -> String {
        registry?.emitToString() ?? ""
    }

    /// `latchkey_cache_hits_total` and `latchkey_cache_misses_total` for the cache named `cache`.
    func cache(_ cache: String) -> CacheMetrics {
        CacheMetrics(cache: cache, factory: factory)
    }

    /// `latchkey_security_events_total{event}`: one per `SecurityEvent`, by its stable name (a fixed set).
    func securityEvent(_ name: String) {
        Counter(label: "latchkey_security_events_total", dimensions: [("event", name)], factory: factory).increment()
    }

    /// `latchkey_pruned_rows_total{table}`: rows maintenance deleted.
    func pruned(_ count: Int, from table: String) {
        guard count > 0 else { return }
        Counter(label: "latchkey_pruned_rows_total", dimensions: [("table", table)], factory: factory).increment(by: Int64(count))
    }
}
