import LatchkeyCore
import LatchkeyStore
import Logging
import ServiceLifecycle

/// Removes rows that no longer matter, so tables do not grow without bound: revocations of access tokens that
/// have expired anyway, ended sessions, codes, refresh families, abandoned connect flows, the `jti`s of expired client
/// assertions, client metadata documents past their stale window, and DCR clients unused or idle past their TTL
/// (`ClientPruner`). Harmless to run on every instance at once.
///
/// Every delete runs in batches of a few hundred rows (`LatchkeyDatabase.deleteInBatches`), so a backlog never holds
/// the SQLite writer for more than milliseconds at a time; afterwards SQLite gives freed pages back to the file system
/// and checkpoints its WAL (`LatchkeyDatabase.compact`).
struct MaintenanceService: Service {
    let revokedTokens: any RevokedTokenStore
    let sessions: any SessionStore
    let codes: any AuthorizationCodeStore
    let refreshTokens: any RefreshTokenStore
    let upstreamFlows: any UpstreamFlowStore
    let metadataDocuments: any ClientMetadataDocumentStore
    let clientPruner: ClientPruner
    let clientAssertionJTIs: any ClientAssertionJTIStore
    let database: LatchkeyDatabase
    let sessionIdleLifetime: Int64
    /// How long a rotated refresh token is remembered for reuse detection (`refresh-token-reuse-window`).
    let refreshTokenReuseWindow: Int64
    /// How long a spent code is kept: as long as a family started from it can live, so a late replay still
    /// revokes it.
    let codeRetention: Int64
    let interval: Duration
    let clock: UnixClock
    let logger: Logger
    /// `latchkey_pruned_rows_total{table}`, for the stores that say how many rows they deleted.
    var metrics: LatchkeyMetrics = .disabled

    /// Stored client metadata documents kept at most (each at most 5 KB and two short validators).
    static let maxMetadataDocuments = 10_000

    func run() async throws {
        await PeriodicWork.run(every: interval, immediately: true, logger: logger,
                               failure: "could not prune expired revocations, sessions, codes, refresh tokens, connect flows, assertion jtis and clients; will retry") {
            let pruned = try await pruneOnce()
            let removed = pruned.filter { $0.value > 0 }
            if !removed.isEmpty {
                logger.info("pruned rows", metadata: removed.mapValues { .stringConvertible($0) })
            }
        }
    }

    /// One round of pruning and compaction; returns the rows removed per table (`latchkey prune` runs it on demand).
    func pruneOnce() async throws -> [String: Int] {
        let now = clock.now()
        var pruned: [String: Int] = [:]
        pruned["revoked_access_tokens"] = try await Self.inBatches { try await revokedTokens.prune(now: now, limit: $0) }
        pruned["sessions"] = try await Self.inBatches { try await sessions.prune(now: now, idleBefore: now - sessionIdleLifetime, limit: $0) }
        pruned["authorization_codes"] = try await Self.inBatches { try await codes.prune(expiredBefore: now - codeRetention, limit: $0) }
        // A revoked token is kept a day, so its reuse is reported as revoked rather than unknown.
        pruned["refresh_tokens"] = try await Self.inBatches {
            try await refreshTokens.prune(now: now, revokedBefore: now - 86400, rotatedBefore: now - refreshTokenReuseWindow, limit: $0)
        }
        pruned["upstream_flows"] = try await upstreamFlows.deleteExpired(now: now)
        pruned["client_assertion_jtis"] = try await Self.pruneAssertionJTIs(clientAssertionJTIs, now: now)
        // Client metadata documents no longer usable even stale: a cache, refetched on the client's next use.
        // In batches, so a backlog never holds the writer long.
        var documents = 0
        while true {
            let deleted = try await metadataDocuments.deleteUnusable(now: now, limit: 500)
            documents += deleted
            if deleted < 500 { break }
        }
        // Anyone hosting valid documents can have them stored (120 fetches a minute per instance): beyond the
        // cap the least recently fetched go, and are fetched again if they are ever used.
        while true {
            let deleted = try await metadataDocuments.trim(keeping: Self.maxMetadataDocuments, limit: 500)
            documents += deleted
            if deleted < 500 { break }
        }
        pruned["client_metadata_documents"] = documents
        let clients = try await clientPruner.prune()
        if clients.total > 0 {
            logger.notice("pruned dynamically registered clients", metadata: [
                "never_used": "\(clients.neverUsed)", "idle": "\(clients.idle)",
            ])
        }
        pruned["clients"] = clients.total
        try await database.compact()
        for (table, count) in pruned { metrics.pruned(count, from: table) }
        return pruned
    }

    /// Rows one store call finds and deletes at most; the store deletes them in smaller batches.
    static let scanLimit = 5000

    /// Calls `prune` with `scanLimit` until a call finds fewer, at most `maxRounds` times (a backlog beyond that waits
    /// for the next run); returns the rows deleted.
    static func inBatches(maxRounds: Int = 200, _ prune: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        for _ in 0..<maxRounds {
            let deleted = try await prune(scanLimit)
            total += deleted
            guard deleted == scanLimit else { break }
        }
        return total
    }

    /// Deletes expired assertion jtis in batches, so no statement holds the table long however many piled up; a
    /// backlog beyond `maxBatches` waits for the next run.
    @discardableResult
    static func pruneAssertionJTIs(_ store: any ClientAssertionJTIStore, now: Int64, batch: Int = 1000, maxBatches: Int = 100) async throws -> Int {
        var total = 0
        for _ in 0..<maxBatches {
            let deleted = try await store.prune(now: now, limit: batch)
            total += deleted
            guard deleted == batch else { break }
        }
        return total
    }
}
