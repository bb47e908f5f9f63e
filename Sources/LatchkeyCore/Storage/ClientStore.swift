/// The client registry. Every instance on one database sees the same clients.
public protocol ClientStore: Sendable {
    /// Inserts a new client; throws if the id exists.
    func create(_ client: RegisteredClient) async throws
    func client(id: String) async throws -> RegisteredClient?
    /// Replaces a client's metadata and secrets; `false` when it no longer exists.
    func update(_ client: RegisteredClient) async throws -> Bool
    /// `false` when there was nothing to delete.
    func delete(id: String) async throws -> Bool
    /// Clients ordered by id, after `cursor` when given.
    func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient]
}
