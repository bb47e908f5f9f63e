import LatchkeyCore
import Logging
import ServiceLifecycle

/// Removes rows that no longer matter, so tables do not grow without bound: revocations of access tokens that
/// have expired anyway. Harmless to run on every instance at once.
struct MaintenanceService: Service {
    let revokedTokens: any RevokedTokenStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await revokedTokens.prune(now: LatchkeyRuntime.now())
            } catch {
                logger.warning("could not prune expired revocations; will retry", metadata: ["error": "\(error)"])
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
