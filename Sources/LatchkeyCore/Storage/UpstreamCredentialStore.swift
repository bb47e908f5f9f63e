/// The vault's rows, one per (user, provider), looked up by exact ids only.
public protocol UpstreamCredentialStore: Sendable {
    /// Inserts or replaces the user's connection to the provider.
    func put(_ credential: StoredUpstreamCredential) async throws
    func credential(userID: String, providerID: String) async throws -> StoredUpstreamCredential?
    func list(userID: String) async throws -> [StoredUpstreamCredential]
    /// `false` when there was nothing to delete.
    func delete(userID: String, providerID: String) async throws -> Bool
}
