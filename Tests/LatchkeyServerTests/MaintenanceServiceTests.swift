import LatchkeyCore
@testable import LatchkeyServer
import Synchronization
import Testing

/// The batched prune of assertion jtis: batches until one comes back short, never more than the cap per run.
struct MaintenanceServiceTests {
    final class Backlog: ClientAssertionJTIStore {
        let remaining: Mutex<Int>
        let calls = Mutex(0)

        init(_ rows: Int) { remaining = Mutex(rows) }

        func recordUse(jtiHash: String, clientID: String, expiresAt: Int64, now: Int64) async throws -> Bool { true }

        func prune(now: Int64, limit: Int) async throws -> Int {
            calls.withLock { $0 += 1 }
            return remaining.withLock { rows in
                let deleted = min(rows, limit)
                rows -= deleted
                return deleted
            }
        }
    }

    @Test("expired jtis are pruned in batches until a short one, at most maxBatches per run", arguments: [
        (0, 1, 0), (999, 1, 0), (2000, 3, 0), (10_000, 5, 5000),
    ])
    func batches(rows: Int, calls: Int, left: Int) async throws {
        let store = Backlog(rows)
        try await MaintenanceService.pruneAssertionJTIs(store, now: 0, batch: 1000, maxBatches: 5)
        #expect(store.calls.withLock { $0 } == calls)
        #expect(store.remaining.withLock { $0 } == left)
    }
}
