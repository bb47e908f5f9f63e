/// The client registry. Every instance on one database sees the same clients.
public protocol ClientStore: Sendable {
    /// Inserts a new client; throws if the id exists.
    func create(_ client: RegisteredClient) async throws
    func client(id: String) async throws -> RegisteredClient?
    /// Replaces a client's metadata and secrets, only while its registration access token digest is still
    /// `currentTokenHash` (so two requests with one token cannot both rotate it); `false` otherwise.
    func update(_ client: RegisteredClient, currentTokenHash: String) async throws -> Bool
    /// `false` when there was nothing to delete.
    func delete(id: String) async throws -> Bool
    /// Clients ordered by id, after `cursor` when given.
    func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient]
}
