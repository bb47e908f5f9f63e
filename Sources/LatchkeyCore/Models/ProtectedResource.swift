/// An MCP server (resource server) tokens can be issued for (RFC 8707), as the operator configures it.
public struct ProtectedResource: Sendable, Equatable, Codable {
    public var uri: String
    /// Shown on the consent page.
    public var name: String
    /// Scopes this resource understands; a token for it carries only these.
    public var scopes: [String]
    /// The confidential client this MCP server authenticates as: it may introspect tokens issued for this resource
    /// (and, with the vault, exchange them), and no others (DESIGN §8).
    public var clientID: String?

    public init(uri: String, name: String, scopes: [String], clientID: String? = nil) throws {
        self.uri = try ResourceIndicator(uri).uri
        self.name = name
        self.scopes = scopes
        self.clientID = clientID
    }
}

/// The resources a token may name, and the audience a request without `resource` gets.
public struct ResourceRegistry: Sendable, Equatable {
    /// The configured resources, then the built-in ones.
    public let resources: [ProtectedResource]
    /// The audience when a request names no resource: the configured default resource, or the issuer
    /// itself when no resource is configured.
    public let defaultAudience: String
    /// Latchkey's own APIs (the credentials API): never a default, their scopes offered for them alone, and only to
    /// tokens of a user.
    public let builtIn: Set<String>
    /// The built-in resources' scopes: never granted for any other audience.
    public let reservedScopes: Set<String>

    public init(resources: [ProtectedResource], defaultResource: String?, issuer: Issuer, builtIn: [ProtectedResource] = []) throws {
        self.resources = resources + builtIn
        self.builtIn = Set(builtIn.map(\.uri))
        self.reservedScopes = Set(builtIn.flatMap(\.scopes))
        if let defaultResource {
            let normalized = try ResourceIndicator(defaultResource).uri
            guard resources.contains(where: { $0.uri == normalized }) else {
                throw OAuthError(.invalidTarget, "the default resource \(normalized) is not among the configured resources")
            }
            self.defaultAudience = normalized
        } else {
            self.defaultAudience = resources.count == 1 ? resources[0].uri : issuer.url
        }
    }

    /// Whether a token for `audience` may carry `scope`: every configured resource in the audience must list it; an
    /// audience without one (the issuer itself) limits nothing but the built-in resources' scopes.
    public func offers(_ scope: String, for audience: [String]) -> Bool {
        let configured = audience.compactMap { uri in resources.first { $0.uri == uri } }
        guard !configured.isEmpty else { return !reservedScopes.contains(scope) }
        return configured.allSatisfy { $0.scopes.contains(scope) }
    }

    /// The resources whose `client_id` is `clientID`: what that client speaks for.
    public func resources(ownedBy clientID: String) -> [ProtectedResource] {
        resources.filter { $0.clientID == clientID }
    }

    /// RFC 8707 §2: every requested resource must be known (`invalid_target` otherwise); none → the default.
    public func audience(for requested: [String]) throws -> [String] {
        guard !requested.isEmpty else { return [defaultAudience] }
        var audience: [String] = []
        for value in requested {
            let uri = try ResourceIndicator(value).uri
            guard resources.contains(where: { $0.uri == uri }) || uri == defaultAudience else {
                throw OAuthError(.invalidTarget, "resource '\(RedirectURIPolicy.excerpt(value))' is not a resource this server issues tokens for")
            }
            if !audience.contains(uri) { audience.append(uri) }
        }
        return audience
    }
}
