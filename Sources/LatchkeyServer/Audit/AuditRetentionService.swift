import LatchkeyCore
import Logging
import ServiceLifecycle

/// Deletes audit rows older than `audit-retention`, oldest first, at most `batch` per transaction (so the writer is
/// never held long), and moves the anchor with them (`AuditTrailStore.prune`). Hourly; harmless on every instance at
/// once (each prune takes the chain's lock). A retention of 0 keeps everything, and this service is not started.
struct AuditRetentionService: Service {
    let store: any AuditTrailStore
    /// Seconds.
    let retention: Int64
    let interval: Duration
    let clock: UnixClock
    let logger: Logger
    var batch = 500
    /// A backlog beyond this many batches waits for the next run.
    var maxBatches = 200

    func run() async throws {
        await PeriodicWork.run(every: interval, immediately: true, logger: logger, failure: "could not prune the audit trail; will retry") {
            _ = try await prune()
        }
    }

    /// One run: prunes what is due, in batches. Returns how many rows went.
    func prune() async throws -> Int {
        let cutoff = clock.now() - retention
        var total = 0
        for _ in 0..<maxBatches {
            let deleted = try await store.prune(recordedBefore: cutoff, limit: batch)
            total += deleted
            guard deleted == batch else { break }
        }
        if total > 0 {
            logger.info("pruned the audit trail", metadata: ["rows": "\(total)"])
        }
        return total
    }
}
