import Logging
import ServiceLifecycle

/// Keeps this instance's `RevocationList` current with revocations made by other instances.
struct RevocationSyncService: Service {
    let revocations: RevocationList
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await revocations.sync(now: LatchkeyRuntime.now())
            } catch {
                // After a few failures the list reports itself stale and introspection reads the store directly.
                logger.warning("could not sync revoked access tokens; will retry", metadata: ["error": "\(error)"])
            }
            do {
                let interval = self.interval
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
