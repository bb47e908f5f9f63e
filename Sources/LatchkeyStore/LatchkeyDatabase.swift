import AsyncKit
public import CoreMetrics
import Foundation
public import Logging
public import NIOCore
public import NIOPosix
import PostgresKit
public import SQLKit
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
    /// SQLite only: read-only work goes to other connections, so it never waits behind the one writer.
    let readers: (any ConnectionProvider)?
    let logger: Logger
    /// Log an outage when it starts and ends (`DatabaseUnavailable`): the writer and, on SQLite, the readers apart,
    /// since a SQLite write lock held by another process stops one and not the other.
    let health: DatabaseHealth
    let readerHealth: DatabaseHealth

    /// Opens (and for SQLite creates) the database. Nothing is migrated here; see `Migrator`.
    ///
    /// `metrics` receives the connection wait and the failed operations (`DatabaseMetrics`); a no-op by default.
    public init(
        location: DatabaseLocation, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) throws {
        self.location = location
        self.logger = logger
        self.health = DatabaseHealth(logger: logger, connections: "writer")
        self.readerHealth = DatabaseHealth(logger: logger, connections: "readers")
        switch location {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.engine = .sqlite
            self.connections = SQLiteConnections(
                path: path, connections: 1, logger: logger, metrics: DatabaseMetrics(factory: metrics, engine: .sqlite, pool: "writer")
            )
            self.readers = SQLiteConnections(
                path: path, connections: 2, logger: logger, metrics: DatabaseMetrics(factory: metrics, engine: .sqlite, pool: "readers")
            )
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
                makeSQL: { $0.sql(queryLogLevel: .trace) },
                metrics: DatabaseMetrics(factory: metrics, engine: .postgres, pool: "pool")
            )
        }
    }

    /// Runs `body` on one connection.
    public func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await observed(connections, health, body)
    }

    /// Runs `body`, which only reads, on one connection. On SQLite that is a reader connection (WAL lets it run
    /// beside the writer and see everything committed); never use it for a read that decides a write.
    public func withReadSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let readers { return try await observed(readers, readerHealth, body) }
        return try await observed(connections, health, body)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    ///
    /// SQLite takes the write lock up front (`BEGIN IMMEDIATE`), so two read-modify-write transactions
    /// queue behind each other instead of failing at lock upgrade.
    public func withTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await observed(connections, health) { database in
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

    /// Runs `body` on one of `provider`'s connections, turning an error that means "no database" into
    /// `DatabaseUnavailable` and telling `health` how it went.
    func observed<R: Sendable>(
        _ provider: any ConnectionProvider, _ health: DatabaseHealth, _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        do {
            let result = try await provider.withConnection(body)
            health.succeeded()
            return result
        } catch {
            guard let unavailable = DatabaseUnavailable(classifying: error) else {
                // The statement failed, but the database answered.
                health.succeeded()
                throw error
            }
            health.failed(unavailable)
            throw unavailable
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
