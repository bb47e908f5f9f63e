import Logging
import ServiceLifecycle

/// The loop every background service runs: do the work, wait `interval`, again — until graceful shutdown.
/// A failure is logged and retried at the next tick; graceful shutdown (SIGTERM) ends the wait at once.
enum PeriodicWork {
    static func run(
        every interval: Duration, immediately: Bool, logger: Logger, failure: String,
        _ work: () async throws -> Void
    ) async {
        var first = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if !first || !immediately {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                } catch {
                    return
                }
            }
            first = false
            do {
                try await work()
            } catch {
                logger.warning("\(failure)", metadata: ["error": "\(error)"])
            }
        }
    }
}
