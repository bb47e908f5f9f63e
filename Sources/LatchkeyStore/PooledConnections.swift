import AsyncKit
import SQLKit

/// Connections from an AsyncKit pool (PostgreSQL), each wrapped as an `SQLDatabase` for the time one body runs.
struct PooledConnections<Source: ConnectionPoolSource>: ConnectionProvider, @unchecked Sendable
where Source.Connection: Sendable {
    // Invariant for @unchecked: EventLoopGroupConnectionPool guards its state with a lock and is
    // documented as safe to share across threads; `makeSQL` is @Sendable.
    let pool: EventLoopGroupConnectionPool<Source>
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase
    let metrics: DatabaseMetrics

    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let start = ContinuousClock.now
        let connection: Source.Connection
        do {
            connection = try await pool.requestConnection().get()
        } catch {
            metrics.connectionFailed()
            // However the pool failed (refused, timed out, closed), no connection means no database.
            throw DatabaseUnavailable(classifying: error) ?? DatabaseUnavailable(reason: "no connection from the pool: \(error)")
        }
        metrics.waited(since: start)
        defer { pool.releaseConnection(connection) }
        return try await metrics.counting { try await body(makeSQL(connection)) }
    }

    func shutdown() async throws {
        try await pool.shutdownAsync()
    }
}
