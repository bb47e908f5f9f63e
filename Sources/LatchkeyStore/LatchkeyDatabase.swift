import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// The one database handle the store uses, on SQLite or PostgreSQL.
///
/// Every operation borrows one pooled connection, so a transaction's statements all run in one session.
public final class LatchkeyDatabase: Sendable {
    public enum Engine: String, Sendable {
        case sqlite
        case postgres
    }

    public let engine: Engine
    public let location: DatabaseLocation
    let connections: any ConnectionProvider
    /// SQLite only: read-only work goes to other connections, so it never waits behind the one writer.
    let readers: (any ConnectionProvider)?
    let logger: Logger

    /// Opens (and for SQLite creates) the database. Nothing is migrated here; see `Migrator`.
    public init(location: DatabaseLocation, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.location = location
        self.logger = logger
        switch location {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.engine = .sqlite
            self.connections = SQLiteConnections(path: path, connections: 1, logger: logger)
            self.readers = SQLiteConnections(path: path, connections: 2, logger: logger)
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                // The underlying error repeats the URL, password included: never surface it.
                throw DatabaseError("the PostgreSQL URL \(location) is not valid; expected postgres://user:password@host:port/database")
            }
            self.engine = .postgres
            self.readers = nil
            self.connections = PooledConnections(
                pool: EventLoopGroupConnectionPool(
                    source: PostgresConnectionSource(sqlConfiguration: configuration),
                    maxConnectionsPerEventLoop: 8,
                    requestTimeout: .seconds(10),
                    logger: logger,
                    on: eventLoopGroup
                ),
                makeSQL: { $0.sql(queryLogLevel: .trace) }
            )
        }
    }

    /// Runs `body` on one connection.
    public func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await connections.withConnection(body)
    }

    /// Runs `body`, which only reads, on one connection. On SQLite that is a reader connection (WAL lets it run
    /// beside the writer and see everything committed); never use it for a read that decides a write.
    public func withReadSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await (readers ?? connections).withConnection(body)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    ///
    /// SQLite takes the write lock up front (`BEGIN IMMEDIATE`), so two read-modify-write transactions
    /// queue behind each other instead of failing at lock upgrade.
    public func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await connections.withConnection { database in
            try await database.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    public func ping() async -> Bool {
        do {
            try await withSession { try await $0.raw("SELECT 1").run() }
            return true
        } catch {
            return false
        }
    }

    public func shutdown() async throws {
        try await readers?.shutdown()
        try await connections.shutdown()
    }
}

/// A pool of connections of one kind, lent out one at a time.
protocol ConnectionProvider: Sendable {
    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async throws
}

struct PooledConnections<Source: ConnectionPoolSource>: ConnectionProvider, @unchecked Sendable
where Source.Connection: Sendable {
    // Invariant for @unchecked: EventLoopGroupConnectionPool guards its state with a lock and is
    // documented as safe to share across threads; `makeSQL` is @Sendable.
    let pool: EventLoopGroupConnectionPool<Source>
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let connection = try await pool.requestConnection().get()
        defer { pool.releaseConnection(connection) }
        return try await body(makeSQL(connection))
    }

    func shutdown() async throws {
        try await pool.shutdownAsync()
    }
}

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
    let next = Mutex(0)
    static let busyTimeoutMilliseconds = 5000

    init(path: String, connections: Int, logger: Logger) {
        self.path = path
        self.logger = logger
        self.slots = (0..<max(1, connections)).map { _ in Slot() }
    }

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let slot = slots.count == 1 ? slots[0] : slots[next.withLock { index in
            defer { index = (index + 1) % slots.count }
            return index
        }]
        return try await withTaskExecutorPreference(slot.executor) {
            await slot.lock.acquire()
            defer { slot.lock.release() }
            let handle = try open(slot)
            return try await body(SQLiteSyncDatabase(handle: handle, logger: logger, eventLoop: slot.eventLoop))
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
            for pragma in [
                "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA cache_size = -16384",
                "PRAGMA temp_store = MEMORY",
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

/// A first-come, first-served async lock: one task at a time uses a connection.
final class ConnectionLock: Sendable {
    struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())

    func acquire() async {
        let free = state.withLock { state in
            if state.held { return false }
            state.held = true
            return true
        }
        if free { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the lock to the longest waiter, or frees it.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
