import LatchkeyCore

/// The registry as every endpoint reads it: registered clients from `base`, URL client ids (Client ID Metadata
/// Documents) from `resolver`, so grants, consents, revocation and the account page key both kinds by `client_id`
/// alike. A URL id is never looked up in `base` (no registration creates one) and `base` never sees a fetch.
struct MetadataDocumentClients: ClientStore {
    let base: any ClientStore
    let resolver: MetadataDocumentResolver

    func create(_ client: RegisteredClient) async throws {
        try await base.create(client)
    }

    /// Throws `ClientIDMetadataDocumentError` when a URL id cannot be used, so callers can say why.
    func client(id: String) async throws -> RegisteredClient? {
        guard ClientIDMetadataDocument.isURL(id) else { return try await base.client(id: id) }
        return try await resolver.client(url: id)
    }

    func update(_ client: RegisteredClient, currentTokenHash: String) async throws -> Bool {
        guard !ClientIDMetadataDocument.isURL(client.clientID) else { return false }
        return try await base.update(client, currentTokenHash: currentTokenHash)
    }

    /// A URL id: forgets the cached document (the next use fetches it again).
    func delete(id: String) async throws -> Bool {
        guard ClientIDMetadataDocument.isURL(id) else { return try await base.delete(id: id) }
        resolver.forget(id)
        return try await resolver.store.delete(url: id)
    }

    func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient] {
        try await base.list(after: cursor, limit: limit)
    }
}
