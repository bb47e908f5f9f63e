import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

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
            self.connections = SQLiteConnections(path: path, logger: logger, eventLoop: eventLoopGroup.next())
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                // The underlying error repeats the URL, password included: never surface it.
                throw DatabaseError("the PostgreSQL URL \(location) is not valid; expected postgres://user:password@host:port/database")
            }
            self.engine = .postgres
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

/// SQLite's one writer, made explicit: one connection, on its own thread.
///
/// SQLite calls block a thread. With a shared thread pool, connections waiting in `busy_timeout` could
/// occupy every thread while the lock holder waits for one to commit — a deadlock until the timeout.
/// Queuing for the single connection in the pool instead costs nothing (each statement takes microseconds),
/// and `busy_timeout` still covers other processes such as `latchkey keys rotate`.
final class SQLiteConnections: ConnectionProvider, @unchecked Sendable {
    // Invariant for @unchecked: every public method of EventLoopConnectionPool hops onto its event loop
    // before touching state (async-kit asserts `inEventLoop` there); NIOThreadPool is thread-safe.
    let threadPool: NIOThreadPool
    let pool: EventLoopConnectionPool<SQLiteSource>

    init(path: String, logger: Logger, eventLoop: any EventLoop) {
        self.threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        self.pool = EventLoopConnectionPool(
            source: SQLiteSource(path: path, busyTimeoutMilliseconds: 5000, threadPool: threadPool),
            maxConnections: 1,
            requestTimeout: .seconds(30),
            logger: logger,
            on: eventLoop
        )
    }

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let connection = try await pool.requestConnection().get()
        defer { pool.releaseConnection(connection) }
        return try await body(connection.sql(queryLogLevel: .trace))
    }

    func shutdown() async throws {
        try await pool.close().get()
        try await threadPool.shutdownGracefully()
    }
}
