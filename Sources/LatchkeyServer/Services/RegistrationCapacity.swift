import LatchkeyCore
import Logging
import Synchronization

/// Enforces `RegistrationCap` without a `COUNT(*)` per registration: the count of DCR clients is read from the store at
/// most every `refreshAfter` seconds and adjusted for this instance's own registrations meanwhile. Other instances'
/// registrations show up at the next read, so N instances may overshoot the cap by what they register in that window:
/// the cap bounds growth, it is not an exact quota. Refusals are logged at most once a minute.
final class RegistrationCapacity: Sendable {
    struct State: Sendable {
        var count: Int?
        var readAt: Int64 = 0
        var reading = false
        var loggedAt: Int64?
    }

    let cap: RegistrationCap
    let registry: any ClientRegistryStore
    let refreshAfter: Int64
    let clock: UnixClock
    let logger: Logger
    let state = Mutex(State())

    init(cap: RegistrationCap, registry: any ClientRegistryStore, refreshAfter: Int64 = 30, clock: UnixClock, logger: Logger) {
        self.cap = cap
        self.registry = registry
        self.refreshAfter = refreshAfter
        self.clock = clock
        self.logger = logger
    }

    /// Takes a place for one registration, or throws `RegistrationCap.full`. Give the place back with `release()` if
    /// the registration then fails.
    func reserve() async throws {
        guard cap.maxClients > 0 else { return }
        let now = clock.now()
        // One request re-reads a stale count; the others meanwhile go by the stale one rather than read it too.
        let mustRead = state.withLock { state in
            guard state.count == nil || (now - state.readAt >= refreshAfter && !state.reading) else { return false }
            state.reading = true
            return true
        }
        if mustRead {
            do {
                let count = try await registry.count(kind: .dynamic)
                state.withLock { state in
                    state.count = count
                    state.readAt = now
                    state.reading = false
                }
            } catch {
                state.withLock { $0.reading = false }
                throw error
            }
        }
        let admitted = state.withLock { state in
            let registered = state.count ?? 0
            guard cap.admits(registered: registered) else { return false }
            state.count = registered + 1
            return true
        }
        guard admitted else {
            logRefusal(now: now)
            throw RegistrationCap.full
        }
    }

    func release() {
        guard cap.maxClients > 0 else { return }
        state.withLock { state in state.count = state.count.map { max(0, $0 - 1) } }
    }

    /// At most one line a minute: a client retrying in a loop must not flood the log.
    func logRefusal(now: Int64) {
        let due = state.withLock { state in
            if let last = state.loggedAt, now - last < 60 { return false }
            state.loggedAt = now
            return true
        }
        if due {
            logger.warning("registration refused: registration-max-clients reached; raise it, or lower the registration TTLs so more are pruned", metadata: [
                "max_clients": "\(cap.maxClients)",
            ])
        }
    }
}
