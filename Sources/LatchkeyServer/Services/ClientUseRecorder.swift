import LatchkeyCore
import Logging
import ServiceLifecycle
import Synchronization

/// Records when each client last got a token, which is what pruning idle clients goes by (`ClientRetention`), at no
/// cost to the token endpoint: `noteUse` never waits, throws or touches the database. A client is queued at most
/// once per `granularity` per instance (a busy client costs nothing after its first token of the hour), and the
/// store's conditional update skips the row when another instance already wrote it. The writes happen here, in
/// `run()`, one at a time; a failed write is logged and retried at the client's next token.
final class ClientUseRecorder: Service, Sendable {
    let store: any ClientRegistryStore
    /// Seconds; an hour is fine-grained enough for TTLs of a day and more.
    let granularity: Int64
    let clock: UnixClock
    let logger: Logger
    /// Client ids this instance queued, and when: the debounce. Cleared when full (the store's condition still holds).
    let queued = Mutex<[String: Int64]>([:])
    let capacity: Int
    let uses: AsyncStream<String>
    let pending: AsyncStream<String>.Continuation

    init(store: any ClientRegistryStore, granularity: Int64 = 3600, clock: UnixClock, logger: Logger, capacity: Int = 100_000) {
        self.store = store
        self.granularity = granularity
        self.clock = clock
        self.logger = logger
        self.capacity = capacity
        // Under a burst of distinct clients the oldest queued uses are dropped (and forgotten, so they come again).
        (self.uses, self.pending) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Called after a successful token response.
    func noteUse(_ clientID: String) {
        let now = clock.now()
        let due = queued.withLock { queued in
            if let last = queued[clientID], now - last < granularity { return false }
            if queued.count >= capacity { queued.removeAll(keepingCapacity: true) }
            queued[clientID] = now
            return true
        }
        guard due else { return }
        if case .dropped(let dropped) = pending.yield(clientID) { forget(dropped) }
    }

    func run() async throws {
        for await clientID in uses.cancelOnGracefulShutdown() {
            await write(clientID)
        }
    }

    /// Writes one use; never throws.
    func write(_ clientID: String) async {
        do {
            _ = try await store.recordUse(clientID: clientID, now: clock.now(), granularity: granularity)
        } catch {
            forget(clientID)
            logger.warning("could not record a client's last use; will retry at its next token", metadata: [
                "client_id": "\(clientID)", "error": "\(error)",
            ])
        }
    }

    func forget(_ clientID: String) {
        _ = queued.withLock { $0.removeValue(forKey: clientID) }
    }
}
