import Synchronization

/// The open connections, so that under a flood a new connection pushes out the one that has waited longest on its
/// client (DESIGN §8).
///
/// The connection cap alone stops accepting when it is reached: a flood of silent sockets then holds every slot until
/// its header deadline, and `/healthz` waits behind it. Instead, once `evictAt` connections are open, each new one
/// closes the connection that has been waiting longest for its client — for headers, for a body, or idle between
/// requests. A connection whose request the server is working on is never pushed out. The cap above `evictAt` stays
/// as the hard bound (it is only reached when most connections are busy).
final class ConnectionPool: Sendable {
    struct Entry {
        var waitingSince: UInt64?
        let close: @Sendable () -> Void
    }

    struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// Connections in the order they started waiting on their client, oldest first; stale items are skipped.
        var queue: [(id: ObjectIdentifier, since: UInt64)] = []
        var head = 0
        var clock: UInt64 = 0
    }

    let evictAt: Int
    private let state = Mutex(State())

    init(evictAt: Int) {
        self.evictAt = evictAt
    }

    /// The start of evictions for a cap: a tenth (at least 8) of the slots stays free for new connections.
    static func evictionThreshold(maxConnections: Int) -> Int {
        max(1, maxConnections - max(8, maxConnections / 10))
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// A new connection, waiting for its first request. Closes the longest-waiting other connection when full.
    func opened(_ id: ObjectIdentifier, close: @escaping @Sendable () -> Void) {
        let victim: (@Sendable () -> Void)? = state.withLock { state in
            state.clock += 1
            state.entries[id] = Entry(waitingSince: state.clock, close: close)
            state.queue.append((id, state.clock))
            guard state.entries.count > evictAt else { return nil }
            return Self.popOldestWaiting(&state, except: id)
        }
        victim?()
    }

    /// Whether the connection now waits on its client (`true`) or on the server (`false`).
    func update(_ id: ObjectIdentifier, waitingOnClient: Bool) {
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            if waitingOnClient {
                guard entry.waitingSince == nil else { return }
                state.clock += 1
                entry.waitingSince = state.clock
                state.queue.append((id, state.clock))
            } else {
                entry.waitingSince = nil
            }
            state.entries[id] = entry
            if state.queue.count - state.head > 4 * max(16, state.entries.count) { Self.compact(&state) }
        }
    }

    func closed(_ id: ObjectIdentifier) {
        state.withLock { state in
            state.entries.removeValue(forKey: id)
            if state.queue.count - state.head > 4 * max(16, state.entries.count) { Self.compact(&state) }
        }
    }

    private static func popOldestWaiting(_ state: inout State, except id: ObjectIdentifier) -> (@Sendable () -> Void)? {
        var skipped: [(id: ObjectIdentifier, since: UInt64)] = []
        defer { if !skipped.isEmpty { state.queue.insert(contentsOf: skipped, at: state.head) } }
        while state.head < state.queue.count {
            let item = state.queue[state.head]
            state.head += 1
            guard let entry = state.entries[item.id], entry.waitingSince == item.since else { continue }
            if item.id == id {
                skipped.append(item)
                continue
            }
            state.entries.removeValue(forKey: item.id)
            return entry.close
        }
        return nil
    }

    private static func compact(_ state: inout State) {
        state.queue = state.queue[state.head...].filter { item in state.entries[item.id]?.waitingSince == item.since }
        state.head = 0
    }
}
