/// Pruning and compaction over this runtime's store: hourly in the server, on demand from `latchkey prune`.
extension LatchkeyRuntime {
    var maintenance: MaintenanceService {
        MaintenanceService(
            revokedTokens: revokedTokens, sessions: sessions, codes: codes, refreshTokens: refreshTokens,
            upstreamFlows: upstreamFlows, metadataDocuments: metadataDocuments,
            clientPruner: clientPruner, clientAssertionJTIs: clientAssertionJTIs, database: database,
            sessionIdleLifetime: Int64(configuration.sessionIdleLifetime),
            refreshTokenReuseWindow: Int64(configuration.refreshTokenReuseWindow),
            codeRetention: Int64(max(configuration.refreshTokenAbsoluteLifetime, configuration.accessTokenLifetime)),
            interval: .seconds(3600), clock: clock, logger: logger, metrics: metrics
        )
    }

    /// Prunes now what the server prunes hourly, and gives a SQLite file's freed pages back; returns the rows removed
    /// per table.
    public func prune() async throws -> [String: Int] {
        try await maintenance.pruneOnce()
    }
}
