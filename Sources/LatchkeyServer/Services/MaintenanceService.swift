import LatchkeyCore
import Logging
import ServiceLifecycle

/// Removes rows that no longer matter, so tables do not grow without bound: revocations of access tokens that
/// have expired anyway, ended sessions, codes, refresh families, abandoned connect flows, the `jti`s of expired client
/// assertions, client metadata documents past their stale window, and DCR clients unused or idle past their TTL
/// (`ClientPruner`). Harmless to run on every instance at once.
struct MaintenanceService: Service {
    let revokedTokens: any RevokedTokenStore
    let sessions: any SessionStore
    let codes: any AuthorizationCodeStore
    let refreshTokens: any RefreshTokenStore
    let upstreamFlows: any UpstreamFlowStore
    let metadataDocuments: any ClientMetadataDocumentStore
    let clientPruner: ClientPruner
    let clientAssertionJTIs: any ClientAssertionJTIStore
    let sessionIdleLifetime: Int64
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
            let now = clock.now()
            try await revokedTokens.prune(now: now)
            try await sessions.prune(now: now, idleBefore: now - sessionIdleLifetime)
            try await codes.prune(expiredBefore: now - codeRetention)
            // A revoked token is kept a day, so its reuse is reported as revoked rather than unknown.
            try await refreshTokens.prune(now: now, revokedBefore: now - 86400)
            let flows = try await upstreamFlows.deleteExpired(now: now)
            metrics.pruned(flows, from: "upstream_flows")
            let jtis = try await Self.pruneAssertionJTIs(clientAssertionJTIs, now: now)
            metrics.pruned(jtis, from: "client_assertion_jtis")
            // Client metadata documents no longer usable even stale: a cache, refetched on the client's next use.
            // In batches, so a backlog never holds the writer long.
            var deleted = 500
            while deleted == 500 {
                deleted = try await metadataDocuments.deleteUnusable(now: now, limit: 500)
                metrics.pruned(deleted, from: "client_metadata_documents")
            }
            // Anyone hosting valid documents can have them stored (120 fetches a minute per instance): beyond the
            // cap the least recently fetched go, and are fetched again if they are ever used.
            deleted = 500
            while deleted == 500 {
                deleted = try await metadataDocuments.trim(keeping: Self.maxMetadataDocuments, limit: 500)
                metrics.pruned(deleted, from: "client_metadata_documents")
            }
            let pruned = try await clientPruner.prune()
            metrics.pruned(pruned.total, from: "clients")
            if pruned.total > 0 {
                logger.notice("pruned dynamically registered clients", metadata: [
                    "never_used": "\(pruned.neverUsed)", "idle": "\(pruned.idle)",
                ])
            }
        }
    }

    /// Deletes expired assertion jtis in batches, so no statement holds the table long however many piled up; a
    /// backlog beyond `maxBatches` waits for the next run.
    /// Returns how many it deleted.
    @discardableResult
    static func pruneAssertionJTIs(_ store: any ClientAssertionJTIStore, now: Int64, batch: Int = 1000, maxBatches: Int = 100) async throws -> Int {
        var total = 0
        for _ in 0..<maxBatches {
            let deleted = try await store.prune(now: now, limit: batch)
            total += deleted
            guard deleted == batch else { return total }
        }
        return total
    }
}
