import LatchkeyCore
import Logging
import ServiceLifecycle

/// Keeps this instance's `RevocationList` current with revocations made by other instances.
struct RevocationSyncService: Service {
    let revocations: RevocationList
    let interval: Duration
    let clock: UnixClock
    let logger: Logger

    func run() async throws {
        // After a few failures the list reports itself stale and introspection reads the store directly.
        await PeriodicWork.run(every: interval, immediately: true, logger: logger,
                               failure: "could not sync revoked access tokens; will retry") {
            try await revocations.sync(now: clock.now())
        }
    }
}
