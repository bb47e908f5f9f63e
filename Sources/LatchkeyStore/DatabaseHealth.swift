import Logging
import Synchronization

/// Whether the database answered the last time it was asked, so an outage is logged when it starts and when it ends
/// — one line each — however many requests fail in between. The common case, a success while up, is one atomic load.
final class DatabaseHealth: Sendable {
    let logger: Logger
    /// Which connections this tracks, for the log line (`writer`, `readers`).
    let connections: String
    let isDown = Atomic<Bool>(false)
    /// When the current outage began (a monotonic instant), and how many operations it failed.
    let outage = Mutex<(since: ContinuousClock.Instant, failures: Int)?>(nil)

    init(logger: Logger, connections: String = "writer") {
        self.logger = logger
        self.connections = connections
    }

    /// An operation reached the database.
    func succeeded() {
        guard isDown.load(ordering: .relaxed) else { return }
        let ended = outage.withLock { outage -> (Duration, Int)? in
            guard let current = outage else { return nil }
            outage = nil
            isDown.store(false, ordering: .relaxed)
            return (ContinuousClock.now - current.since, current.failures)
        }
        if let (duration, failures) = ended {
            logger.notice("database reachable again", metadata: [
                "outage_seconds": "\(duration.components.seconds)", "failed_operations": "\(failures)", "connections": "\(connections)",
            ])
        }
    }

    /// An operation could not reach the database.
    func failed(_ error: DatabaseUnavailable) {
        let started = outage.withLock { outage -> Bool in
            if var current = outage {
                current.failures += 1
                outage = current
                return false
            }
            outage = (ContinuousClock.now, 1)
            isDown.store(true, ordering: .relaxed)
            return true
        }
        if started {
            logger.error("database unreachable; answering 503 until it is back", metadata: ["reason": "\(error.reason)", "connections": "\(connections)"])
        }
    }
}
