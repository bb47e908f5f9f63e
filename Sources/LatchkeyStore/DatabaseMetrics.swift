import CoreMetrics

/// What one set of connections reports: how long callers waited for a connection (a full pool or a busy SQLite
/// writer shows here before it shows as latency anywhere else) and the operations that failed.
///
/// The metrics are made once, with their labels fixed, so recording is one handler call on the hot path.
struct DatabaseMetrics: Sendable {
    let poolWait: CoreMetrics.Timer
    let connectionErrors: Counter
    let operationErrors: Counter

    /// `pool` names the set of connections: `writer` or `readers` on SQLite, `pool` on PostgreSQL.
    init(factory: any MetricsFactory, engine: LatchkeyDatabase.Engine, pool: String) {
        let labels = [("engine", engine.rawValue), ("pool", pool)]
        self.poolWait = CoreMetrics.Timer(label: "latchkey_database_pool_wait_seconds", dimensions: labels, factory: factory)
        self.connectionErrors = Counter(
            label: "latchkey_database_errors_total", dimensions: labels + [("kind", "connection")], factory: factory
        )
        self.operationErrors = Counter(
            label: "latchkey_database_errors_total", dimensions: labels + [("kind", "operation")], factory: factory
        )
    }

    /// Records that no connection could be had (the pool timed out, the server refused, the file would not open).
    func connectionFailed() {
        connectionErrors.increment()
    }

    /// Records the wait for a connection that began at `start`.
    func waited(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        poolWait.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Runs `body` on a connection already lent, counting what it throws as a failed operation (constraint
    /// violations and lost connections alike; a cancelled task is not a database error).
    func counting<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch {
            operationErrors.increment()
            throw error
        }
    }
}
