public import LatchkeyCore

/// A client `ClientRetention` lets go, and why (`latchkey clients prune --dry-run`).
public struct PrunableClient: Sendable, Equatable {
    public var client: RegisteredClient
    public var reason: ClientRetention.Reason
}

/// Removes the DCR clients `ClientRetention` lets go, with their grants, a batch at a time: each batch is one short
/// transaction of at most `batchSize` clients, with `pause` between batches, so a backlog of a million abandoned
/// registrations never holds SQLite's single writer for long. Instances pruning at once are harmless: each delete
/// re-checks the rule, so a client goes once, and one used meanwhile stays.
struct ClientPruner: Sendable {
    let registry: any ClientRegistryStore
    let retention: ClientRetention
    let clock: UnixClock
    var batchSize = 500
    var pause: Duration = .milliseconds(50)

    struct Outcome: Sendable, Equatable {
        var neverUsed = 0
        var idle = 0
        var total: Int { neverUsed + idle }
    }

    /// Every client a prune would remove now, by id.
    func candidates() async throws -> [PrunableClient] {
        let now = clock.now()
        var found: [PrunableClient] = []
        var cursor: String?
        while true {
            let batch = try await registry.prunable(
                retention.cutoffs(now: now), protected: retention.protectedClientIDs, after: cursor, limit: batchSize
            )
            found += batch.compactMap { client in retention.reason(for: client, now: now).map { PrunableClient(client: client, reason: $0) } }
            guard batch.count == batchSize, let last = batch.last else { return found }
            cursor = last.clientID
        }
    }

    func prune() async throws -> Outcome {
        let cutoffs = retention.cutoffs(now: clock.now())
        var outcome = Outcome()
        var cursor: String?
        while true {
            let batch = try await registry.prunable(cutoffs, protected: retention.protectedClientIDs, after: cursor, limit: batchSize)
            let deleted = Set(try await registry.deletePrunable(batch.map(\.clientID), cutoffs))
            for client in batch where deleted.contains(client.clientID) {
                if client.lastUsedAt == nil { outcome.neverUsed += 1 } else { outcome.idle += 1 }
            }
            guard batch.count == batchSize, let last = batch.last else { return outcome }
            cursor = last.clientID
            try await Task.sleep(for: pause)
        }
    }
}
