import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteNIO
import Synchronization

/// SQLite connections, each a `SQLiteHandle` on an event loop thread of its own: the one writer, made explicit,
/// or a few readers (WAL lets them read beside the writer).
///
/// A task using a connection runs on that connection's thread (a task executor preference), and statements run
/// synchronously there: a transaction holds the connection only for the time SQLite works. Each connection has
/// its own thread, so a connection waiting in `busy_timeout` (another process holds the write lock) blocks only
/// itself — with a shared thread pool, waiting writers once occupied every thread while the lock holder needed
/// one to commit: a deadlock until the timeout.
final class SQLiteConnections: ConnectionProvider, Sendable {
    /// One connection: its thread, its lock, and its handle once opened.
    final class Slot: Sendable {
        let group: MultiThreadedEventLoopGroup
        let eventLoop: any EventLoop
        let executor: EventLoopTaskExecutor
        let lock = ConnectionLock()
        /// Opened on first use, on the slot's thread, by the lock holder.
        let handle = Mutex<SQLiteHandle?>(nil)

        init() {
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            self.eventLoop = group.next()
            self.executor = EventLoopTaskExecutor(eventLoop: eventLoop)
        }
    }

    let path: String
    let slots: [Slot]
    let logger: Logger
    let metrics: DatabaseMetrics
    let next = Mutex(0)
    static let busyTimeoutMilliseconds = 5000

    init(path: String, connections: Int, logger: Logger, metrics: DatabaseMetrics) {
        self.path = path
        self.logger = logger
        self.metrics = metrics
        self.slots = (0..<max(1, connections)).map { _ in Slot() }
    }

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let slot = slots.count == 1 ? slots[0] : slots[next.withLock { index in
            defer { index = (index + 1) % slots.count }
            return index
        }]
        let start = ContinuousClock.now
        return try await withTaskExecutorPreference(slot.executor) {
            await slot.lock.acquire()
            defer { slot.lock.release() }
            let handle: SQLiteHandle
            do {
                handle = try open(slot)
            } catch {
                metrics.connectionFailed()
                throw error
            }
            // The queue for the connection (on the writer: every other write) and the hop to its thread.
            metrics.waited(since: start)
            return try await metrics.counting {
                try await body(SQLiteSyncDatabase(handle: handle, logger: logger, eventLoop: slot.eventLoop))
            }
        }
    }

    /// Runs `body` with a connection's raw handle, on its thread (SQLite calls the SQL interface does not offer: the
    /// backup API).
    func withHandle<R: Sendable>(_ body: @Sendable (SQLiteHandle) throws -> R) async throws -> R {
        let slot = slots[0]
        return try await withTaskExecutorPreference(slot.executor) {
            await slot.lock.acquire()
            defer { slot.lock.release() }
            return try body(try open(slot))
        }
    }

    /// The slot's handle, opened and configured on first use.
    ///
    /// WAL lets readers proceed while one writer commits; `busy_timeout` makes a second writer (another process)
    /// wait instead of failing at once; `synchronous = NORMAL` is durable across application crashes in WAL mode.
    /// A 16 MiB page cache per connection (SQLite's default is 2 MiB) keeps the token tables' hot pages in memory:
    /// their keys are random HMACs, so every lookup touches a different leaf.
    func open(_ slot: Slot) throws -> SQLiteHandle {
        if let handle = slot.handle.withLock({ $0 }) { return handle }
        let handle = try SQLiteHandle(path: path)
        do {
            try handle.run("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)", []) { _ in }
            try enableWAL(handle)
            for pragma in [
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA cache_size = -16384",
                "PRAGMA temp_store = MEMORY",
                // After a checkpoint the WAL file is cut back to 64 MiB instead of keeping its largest size forever.
                "PRAGMA journal_size_limit = 67108864",
            ] {
                try handle.run(pragma, []) { _ in }
            }
        } catch {
            handle.close()
            throw error
        }
        slot.handle.withLock { $0 = handle }
        return handle
    }

    /// Switches the file to WAL, and makes sure it switched. The switch needs the file to itself: while another
    /// connection (another instance opening the same file at that moment) holds it, SQLite keeps the old mode and
    /// reports no error, and a later write can then deadlock against that connection's own switch — which SQLite
    /// answers with `SQLITE_BUSY` at once instead of waiting. So the mode is read back and the switch retried briefly
    /// (at most a second). A file that cannot use WAL at all keeps its mode, as before, with a warning.
    func enableWAL(_ handle: SQLiteHandle) throws {
        for _ in 0..<50 {
            var mode = ""
            do {
                try handle.run("PRAGMA journal_mode = WAL", []) { row in
                    if case .text(let text)? = row.values.first { mode = text.lowercased() }
                }
            } catch let error as SQLiteStatementError where error.isBusy {
                mode = ""
            }
            if mode == "wal" { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        logger.warning("SQLite did not switch to WAL mode; readers will wait for writers", metadata: ["path": "\(path)"])
    }

    func shutdown() async throws {
        for slot in slots {
            await withTaskExecutorPreference(slot.executor) {
                await slot.lock.acquire()
                defer { slot.lock.release() }
                slot.handle.withLock { handle in
                    handle?.close()
                    handle = nil
                }
            }
            try await slot.group.shutdownGracefully()
        }
    }
}
