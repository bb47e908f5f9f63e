import LatchkeyCore
import Logging
import ServiceLifecycle

/// Removes rows that no longer matter, so tables do not grow without bound: revocations of access tokens that
/// have expired anyway, and ended sessions. Harmless to run on every instance at once.
struct MaintenanceService: Service {
    let revokedTokens: any RevokedTokenStore
    let sessions: any SessionStore
    let sessionIdleLifetime: Int64
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = LatchkeyRuntime.now()
            do {
                try await revokedTokens.prune(now: now)
                try await sessions.prune(now: now, idleBefore: now - sessionIdleLifetime)
            } catch {
                logger.warning("could not prune expired revocations and sessions; will retry", metadata: ["error": "\(error)"])
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
