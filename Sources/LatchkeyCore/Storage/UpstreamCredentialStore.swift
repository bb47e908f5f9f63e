/// The vault's rows, one per (user, provider), looked up by exact ids only.
public protocol UpstreamCredentialStore: Sendable {
    /// Inserts or replaces the user's connection to the provider.
    func put(_ credential: StoredUpstreamCredential) async throws
    func credential(userID: String, providerID: String) async throws -> StoredUpstreamCredential?
    func list(userID: String) async throws -> [StoredUpstreamCredential]
    /// Marks the connection `needs_reauth` only if it still holds exactly these sealed values: a connection written
    /// meanwhile (a reconnect, a refresh) is left alone. The sealed values are kept, so a key that comes back opens
    /// them again. `false` when the row changed or is gone.
    func markNeedsReauth(_ credential: StoredUpstreamCredential) async throws -> Bool
    /// Deletes the row and returns it as it was deleted (`nil` when there was none), so what is revoked upstream is
    /// exactly what was removed — never a row a concurrent reconnect just wrote.
    func delete(userID: String, providerID: String) async throws -> StoredUpstreamCredential?
}

/// How refreshes of one connection are serialized across instances, and how their results are written back.
public protocol UpstreamRefreshStore: Sendable {
    /// Takes the refresh lease until `until`, if the row is still at `credential.version` and no live lease is held.
    func acquireRefreshLease(_ credential: StoredUpstreamCredential, owner: String, until: Int64, now: Int64) async throws -> Bool
    /// Writes a refresh's outcome (new tokens, or `needs_reauth`) only over `expectedVersion`: bumps the version and
    /// ends the lease. `false` when the row changed or is gone — a disconnect or re-deposit meanwhile wins.
    func writeRefreshed(_ credential: StoredUpstreamCredential, expectedVersion: Int64) async throws -> Bool
    /// Ends `owner`'s lease without new tokens (a transient upstream failure), recording `lastError`.
    func releaseRefreshLease(_ credential: StoredUpstreamCredential, owner: String, lastError: String?) async throws
}
