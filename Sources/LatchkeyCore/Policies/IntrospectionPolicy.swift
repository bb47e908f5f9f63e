/// Who may introspect which token (RFC 7662 §4: "the authorization server … SHOULD ensure the protected resource is
/// authorized to see the token"; DESIGN §8).
///
/// A confidential client that some resource names as its `client_id` sees tokens whose audience includes one of its
/// resources; any other token is `{"active": false}` to it. A client no resource names may introspect only if the
/// operator lists it in `introspection-clients`, and then sees every token. Everyone else is refused.
public struct IntrospectionPolicy: Sendable, Equatable {
    public let resources: ResourceRegistry
    public let trustedClients: Set<String>

    public init(resources: ResourceRegistry, trustedClients: [String]) {
        self.resources = resources
        self.trustedClients = Set(trustedClients)
    }

    public enum Reach: Sendable, Equatable {
        /// Tokens whose `aud` includes one of these resource URIs.
        case audiences(Set<String>)
        /// Every token (an operator-listed introspection client).
        case all
        /// None: the caller may not introspect.
        case none
    }

    /// RFC 7662 §2.1: the caller must be an authenticated confidential client (`invalid_client` otherwise) with some
    /// reach (`403 unauthorized_client` otherwise). Returns what it may see.
    @discardableResult
    public func authorize(_ caller: RegisteredClient) throws -> Reach {
        guard caller.isConfidential else {
            throw OAuthError(.invalidClient, "Only confidential clients may introspect tokens", httpStatus: 401)
        }
        let reach = reach(of: caller.clientID)
        if reach == .none {
            throw OAuthError(
                .unauthorizedClient,
                "This client may not introspect tokens: no resource names it as its client_id and it is not in introspection-clients",
                httpStatus: 403
            )
        }
        return reach
    }

    public func reach(of clientID: String) -> Reach {
        let owned = resources.resources(ownedBy: clientID)
        if !owned.isEmpty { return .audiences(Set(owned.map(\.uri))) }
        return trustedClients.contains(clientID) ? .all : .none
    }

    /// Whether `clientID` may learn about a token issued for `audience`.
    public func mayIntrospect(_ clientID: String, audience: [String]) -> Bool {
        switch reach(of: clientID) {
        case .all: true
        case .none: false
        case .audiences(let uris): audience.contains(where: uris.contains)
        }
    }
}
