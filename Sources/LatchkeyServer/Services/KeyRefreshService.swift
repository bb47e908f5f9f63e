import LatchkeyCore
import LatchkeyCrypto
import Logging
import ServiceLifecycle

/// Reloads signing keys periodically, so a rotation on any instance (or by `latchkey keys rotate`)
/// reaches this one's JWKS and signer, and expired retired keys leave the JWKS.
struct KeyRefreshService: Service {
    let signingKeys: SigningKeys
    let interval: Duration
    let clock: UnixClock
    let logger: Logger

    func run() async throws {
        await PeriodicWork.run(every: interval, immediately: false, logger: logger,
                               failure: "could not reload signing keys; serving the previous set") {
            try await signingKeys.reload(now: clock.now())
        }
    }
}
