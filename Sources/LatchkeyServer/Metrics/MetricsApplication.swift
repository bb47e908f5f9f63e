public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore

/// The metrics listener (`metrics-listen`): a Hummingbird application of its own that serves only
/// `GET /metrics`, the Prometheus text exposition of `metrics`' registry.
///
/// A listener apart from the public one so the metrics are never public by accident: the public router has no
/// `/metrics` route at all, and this one has nothing else. `buildApplication` runs it as one more service beside
/// the server, so it starts and stops with it.
public func buildMetricsApplication(metrics: LatchkeyMetrics, address: MetricsListenAddress, logger: Logger) -> some ApplicationProtocol {
    if !address.isLoopback {
        logger.warning("metrics-listen is not a loopback address: anyone who can reach it can read the metrics; firewall it", metadata: [
            "metrics-listen": "\(address)",
        ])
    }
    let router = Router()
    router.get("/metrics") { _, _ -> Response in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.exposition()))
        )
    }
    var metricsLogger = logger
    metricsLogger[metadataKey: "listener"] = "metrics"
    return Application(
        router: router,
        configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
        logger: metricsLogger
    )
}
