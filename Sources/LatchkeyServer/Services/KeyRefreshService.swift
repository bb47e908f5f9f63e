import LatchkeyCrypto
import Logging
import ServiceLifecycle

/// Reloads signing keys periodically, so a rotation on any instance (or by `latchkey keys rotate`)
/// reaches this one's JWKS and signer, and expired retired keys leave the JWKS.
struct KeyRefreshService: Service {
    let signingKeys: SigningKeys
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Graceful shutdown (SIGTERM) is not cancellation: end the wait as soon as it starts.
                let interval = self.interval
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await signingKeys.reload(now: LatchkeyRuntime.now())
            } catch {
                logger.warning("could not reload signing keys; serving the previous set", metadata: ["error": "\(error)"])
            }
        }
    }
}
