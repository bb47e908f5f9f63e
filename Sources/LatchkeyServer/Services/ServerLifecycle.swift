public import Logging
public import ServiceLifecycle
import UnixSignals

/// Runs the server's services until SIGTERM or SIGINT, then stops them within `shutdownTimeout` seconds.
///
/// A stop closes the listener, answers what is in flight and drains idle keep-alive connections
/// (`QuiesceDelayHandler`); services still running at the timeout are cancelled, and whatever the database had
/// acknowledged stays acknowledged. Returns normally after a stop, timed out or not, so the process exits 0: a stop
/// was asked for, and it happened.
public func runUntilStopped(_ services: [any Service], shutdownTimeout: Int, logger: Logger) async throws {
    var configuration = ServiceGroupConfiguration(
        services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
    configuration.maximumGracefulShutdownDuration = .seconds(shutdownTimeout)
    configuration.maximumCancellationDuration = .seconds(2)
    let group = ServiceGroup(configuration: configuration)
    do {
        try await group.run()
        logger.info("latchkey stopped")
    } catch is CancellationError {
        logger.warning("latchkey stopped after shutdown-timeout; requests still running were cut off", metadata: [
            "shutdown_timeout": "\(shutdownTimeout)",
        ])
    }
}
