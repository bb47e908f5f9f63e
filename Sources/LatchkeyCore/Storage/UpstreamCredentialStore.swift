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
