/// RFC 6749 §4.4: a confidential client gets a token for itself (`sub` = its client id).
public struct ClientCredentialsGrant: Sendable {
    public let supportedScopes: [String]
    public let resources: ResourceRegistry

    public init(supportedScopes: [String], resources: ResourceRegistry) {
        self.supportedScopes = supportedScopes
        self.resources = resources
    }

    public struct Decision: Sendable, Equatable {
        public var scopes: [String]
        public var audience: [String]
    }

    /// Decides what `client` (already authenticated) gets for `scope` and `resource` parameters.
    public func decide(client: RegisteredClient, scope: String?, resource: [String]) throws -> Decision {
        // §4.4: "The client credentials grant type MUST only be used by confidential clients."
        guard client.isConfidential, client.metadata.grantTypes.contains(.clientCredentials) else {
            throw OAuthError(.unauthorizedClient, "This client is not registered for the client_credentials grant")
        }
        let audience = try resources.audience(for: resource)
        // Latchkey's own APIs act for a user; a client's token for itself has none.
        if let builtIn = audience.first(where: resources.builtIn.contains) {
            throw OAuthError(.invalidTarget, "\(builtIn) accepts only tokens of a user, not client_credentials")
        }
        // A token carries only scopes the client may hold, the server still supports, and its audience understands.
        let allowed = Scope.allowed(for: client, supported: supportedScopes)
            .filter { $0 != "offline_access" && resources.offers($0, for: audience) }
        let requested = try Scope.parse(scope)
        // §3.3: with no scope requested, the server uses a default — everything the client may hold.
        let scopes = requested.isEmpty ? allowed : try Scope.require(requested, within: allowed)
        return Decision(scopes: scopes, audience: audience)
    }
}
