public import Hummingbird
import HummingbirdCore
public import NIOCore
import LatchkeyCore
import LatchkeyCrypto
import Logging
import ServiceLifecycle

/// Builds the Latchkey HTTP application over an opened runtime.
///
/// Configuration keys are listed in `LatchkeyConfiguration.keys` and explained in docs/configuration.md.
/// `onServerRunning` gets the listening channel (its address, when the port was 0).
public func buildApplication(
    runtime: LatchkeyRuntime, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let router = try await buildRouter(runtime: runtime)
    let connections = ConnectionGuard(ServerLimits(configuration.connections, descriptors: DescriptorLimit.current()))
    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: connections.channelHandlers())),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: connections.availableConnections
        ),
        onServerRunning: onServerRunning,
        logger: runtime.logger
    )
    app.addServices(KeyRefreshService(
        signingKeys: runtime.signingKeys,
        interval: .seconds(configuration.keyRefreshInterval),
        clock: runtime.clock,
        logger: runtime.logger
    ))
    app.addServices(runtime.clientUses)
    app.addServices(runtime.audit)
    if configuration.auditRetention > 0 {
        app.addServices(AuditRetentionService(
            store: runtime.auditTrail, retention: Int64(configuration.auditRetention), interval: .seconds(3600), clock: runtime.clock, logger: runtime.logger
        ))
    }
    app.addServices(RevocationSyncService(revocations: runtime.revocations, interval: .seconds(1), clock: runtime.clock, logger: runtime.logger))
    app.addServices(runtime.maintenance)
    // The metrics listener starts and stops with the server; without `metrics-listen` there is none.
    if let address = configuration.metricsListen {
        app.addServices(buildMetricsApplication(metrics: runtime.metrics, address: address, logger: runtime.logger))
    }
    return app
}

/// The routes and middleware, separate from the server so tests drive them in-process.
///
/// Each `RouteModule` builds its own services from the runtime and adds its own routes.
public func buildRouter(runtime: LatchkeyRuntime) async throws -> Router<LatchkeyRequestContext> {
    let modules: [any RouteModule] = [
        try DiscoveryModule(runtime: runtime),
        RegistrationModule(runtime: runtime),
        try TokenModule(runtime: runtime),
        try await BrowserModule(runtime: runtime),
        try await VaultModule(runtime: runtime),
        HealthModule(runtime: runtime),
    ]
    let router = Router(context: LatchkeyRequestContext.self)
    // Outermost, so every request is counted with the status it finally got; then the request's origin and id.
    router.add(middleware: RequestMetricsMiddleware(factory: runtime.metrics.factory))
    router.add(middleware: RequestOriginMiddleware(proxies: runtime.configuration.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: CORSPolicyMiddleware { path in modules.contains { $0.isCrossOrigin(path) } })
    router.add(middleware: ErrorMiddleware())
    for module in modules {
        module.addRoutes(to: router)
    }
    return router
}
