import LatchkeyCore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends security events to the audit trail at no cost to the request that caused them: `enqueue` never waits,
/// throws or touches the database. `run()` writes what is queued in batches (one transaction each, `AuditTrailStore.append`),
/// and on graceful shutdown writes what is left; `LatchkeyRuntime.shutdown` flushes once more, which is also how the
/// `latchkey` commands, which run no services, get their events written.
///
/// The queue is bounded. While the store is unreachable records stay queued and are retried every few seconds; once
/// `capacity` are waiting, new ones are dropped and counted, with one warning when dropping starts and one, naming
/// the count, when writing works again. The log lines of those events are still written (`SecurityLog`).
final class AuditRecorder: Service, Sendable {
    let store: any AuditTrailStore
    let clock: UnixClock
    let logger: Logger
    let capacity: Int
    let batchSize: Int
    let retryInterval: Duration

    struct State {
        var pending: [AuditEntry] = []
        /// Records dropped since the last successful write.
        var dropped = 0
        /// Whether the current outage was logged.
        var failing = false
    }

    let state = Mutex(State())
    /// One flush at a time, so `flush()` returns only when what was queued before it is written.
    let gate = FlushGate()
    let wakeups: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation

    init(
        store: any AuditTrailStore, clock: UnixClock, logger: Logger, capacity: Int = 10_000, batchSize: Int = 200,
        retryInterval: Duration = .seconds(5)
    ) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.capacity = capacity
        self.batchSize = batchSize
        self.retryInterval = retryInterval
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `event`, stamped now.
    func enqueue(_ event: SecurityEvent, origin: EventOrigin) {
        let entry = AuditEntry(event, origin: origin, at: clock.now())
        let firstDrop = state.withLock { state -> Bool in
            guard state.pending.count < capacity else {
                state.dropped += 1
                return state.dropped == 1
            }
            state.pending.append(entry)
            return false
        }
        if firstDrop {
            logger.warning("audit trail queue full: dropping audit records until the store accepts writes again", metadata: [
                "capacity": "\(capacity)",
            ])
        }
        wake.yield()
    }

    /// How many records wait to be written.
    var queued: Int { state.withLock { $0.pending.count } }

    func run() async throws {
        for await _ in wakeups.cancelOnGracefulShutdown() {
            while await !flush() {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.retryInterval) }
                } catch {
                    break
                }
            }
        }
        // Graceful shutdown: what is queued is written before the store closes.
        await flush()
    }

    /// Writes everything queued, oldest first, in batches. `false` when the store failed (the rest stays queued).
    @discardableResult
    func flush() async -> Bool {
        await gate.acquire()
        let written = await drain()
        await gate.release()
        return written
    }

    private func drain() async -> Bool {
        while true {
            let batch = state.withLock { Array($0.pending.prefix(batchSize)) }
            guard !batch.isEmpty else { return true }
            do {
                try await store.append(batch)
            } catch {
                let first = state.withLock { state -> Bool in
                    defer { state.failing = true }
                    return !state.failing
                }
                if first {
                    logger.warning("could not write audit records; they stay queued and are retried", metadata: [
                        "queued": "\(batch.count)", "error": "\(error)",
                    ])
                }
                return false
            }
            let (dropped, recovered) = state.withLock { state -> (Int, Bool) in
                state.pending.removeFirst(min(batch.count, state.pending.count))
                defer {
                    state.dropped = 0
                    state.failing = false
                }
                return (state.dropped, state.failing)
            }
            if dropped > 0 || recovered {
                logger.warning("audit records are written again", metadata: ["dropped": "\(dropped)"])
            }
        }
    }
}

/// An async mutual exclusion for `AuditRecorder.flush`: waiters resume in order.
actor FlushGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
