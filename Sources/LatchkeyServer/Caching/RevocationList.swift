import LatchkeyCore
import Synchronization

/// The revoked access-token ids, mirrored in memory so introspection needs no database read per request.
///
/// This instance's own revocations enter the list at once; other instances' arrive with the next `sync()`, which
/// `RevocationSyncService` runs every `interval` (1 s by default). Each sync re-reads a window overlapping the
/// previous one, so clock skew between instances up to `overlap` loses nothing. If the list has not synced for
/// `staleAfter`, `isRevoked` answers `nil` and callers read the store instead: a database outage makes
/// introspection fail, never silently miss a revocation (fail closed).
final class RevocationList: Sendable {
    struct State: Sendable {
        var revoked: [String: Int64] = [:]
        /// Revocation time (the store's `revoked_at`) up to which this list is complete, minus nothing.
        var syncedFrom: Int64 = 0
        var lastSync: ContinuousClock.Instant?
    }

    let store: any RevokedTokenStore
    let overlap: Int64
    let staleAfter: Duration
    let state = Mutex(State())

    init(store: any RevokedTokenStore, overlap: Int64 = 60, staleAfter: Duration = .seconds(10)) {
        self.store = store
        self.overlap = overlap
        self.staleAfter = staleAfter
    }

    /// Whether `tokenID` is revoked, or `nil` when the list is too stale to say.
    func isRevoked(_ tokenID: String) -> Bool? {
        state.withLock { state in
            guard let last = state.lastSync, last.duration(to: .now) < staleAfter else { return nil }
            return state.revoked[tokenID] != nil
        }
    }

    /// Reads the store when the list cannot answer.
    func check(_ tokenID: String) async throws -> Bool {
        if let answer = isRevoked(tokenID) { return answer }
        return try await store.isRevoked(tokenID: tokenID)
    }

    /// Records a revocation in the store and in this list.
    func revoke(tokenID: String, expiresAt: Int64, now: Int64) async throws {
        try await store.revoke(tokenID: tokenID, expiresAt: expiresAt, now: now)
        state.withLock { $0.revoked[tokenID] = expiresAt }
    }

    /// Pulls revocations recorded since the last sync (less the overlap), and forgets expired ones.
    func sync(now: Int64) async throws {
        let started = ContinuousClock.now
        let since = state.withLock { max(0, $0.syncedFrom - overlap) }
        let fresh = try await store.revoked(since: since, now: now)
        state.withLock { state in
            state.revoked.merge(fresh) { $1 }
            state.revoked = state.revoked.filter { $0.value > now }
            state.syncedFrom = max(state.syncedFrom, now)
            state.lastSync = started
        }
    }
}
