public import LatchkeyCore

/// A client the operator added: its id and, for a confidential client, the secret, shown once.
public struct AddedClient: Sendable {
    public var clientID: String
    public var clientSecret: String?
    public var metadata: ClientMetadata
}

extension LatchkeyRuntime {
    /// Registers a client on the operator's authority (`latchkey clients add`): RFC 7591 metadata under the same rules
    /// as `POST /register`, except that machine clients (`client_credentials`) are allowed. No registration access
    /// token is handed out, so the client cannot change itself through RFC 7592; the operator manages it.
    public func addClient(_ metadata: JSONValue, clientID: String? = nil) async throws -> AddedClient {
        let service = ClientRegistrationService(
            store: clients, consents: consents, policy: configuration.operatorRegistrationPolicy, hasher: hasher,
            issuer: configuration.issuer, events: events, clock: clock
        )
        if let clientID, try await users.user(id: clientID) != nil {
            throw OAuthError.invalidRequest("\(clientID) is a user's id; choose another client id")
        }
        let registered = try await service.register(metadata, chosenID: clientID, by: .operatorCommand)
        return AddedClient(clientID: registered.clientID, clientSecret: registered.clientSecret, metadata: registered.metadata)
    }

    /// Removes DCR clients `ClientRetention` lets go, as maintenance does.
    var clientPruner: ClientPruner {
        ClientPruner(registry: clientRegistry, retention: configuration.clientRetention, clock: clock)
    }

    /// What `pruneClients` would remove now, and why (`latchkey clients prune --dry-run`).
    public func prunableClients() async throws -> [PrunableClient] {
        try await clientPruner.candidates()
    }

    /// Removes unused and idle DCR clients with their grants (`latchkey clients prune`); returns how many went.
    public func pruneClients() async throws -> Int {
        try await clientPruner.prune().total
    }

    /// Deletes a client (`latchkey clients delete`); `false` when there was none.
    public func deleteClient(id: String) async throws -> Bool {
        // A URL client comes back by fetching its document again; what must end is what users granted it.
        if ClientIDMetadataDocument.isURL(id) {
            try await consents.revokeAll(clientID: id)
            try await refreshTokens.revokeAll(clientID: id, now: clock.now())
        }
        guard try await clients.delete(id: id) else { return false }
        events.record(.clientDeleted(clientID: id, by: .operatorCommand), origin: .operatorCommand)
        return true
    }
}
