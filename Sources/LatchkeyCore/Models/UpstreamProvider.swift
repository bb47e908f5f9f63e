import Foundation

/// An upstream OAuth service users connect to the vault (GitHub, Google, an internal IdP): Latchkey is a client there.
/// Validated as a whole; secrets are never part of it, only where to read them.
public struct UpstreamProvider: Sendable, Equatable {
    /// Where the endpoints come from.
    public enum Endpoints: Sendable, Equatable {
        /// RFC 8414 discovery at this issuer (through the egress client), its `issuer` checked exactly.
        case discovered(issuer: String)
        case configured(authorization: String, token: String)
    }

    /// Where the client secret is read from at start.
    public enum SecretSource: Sendable, Equatable {
        case environment(String)
        case file(String)
        /// A public client at the upstream (`token_endpoint_auth_method: none`).
        case none
    }

    /// How Latchkey authenticates at the upstream's token endpoint (RFC 6749 §2.3.1).
    public enum AuthMethod: String, Sendable, Equatable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case none
    }

    public var id: String
    public var name: String
    public var endpoints: Endpoints
    public var revocationEndpoint: String?
    public var userinfoEndpoint: String?
    /// The member of the userinfo answer that labels the account ("connected as @octocat").
    public var accountField: String?
    public var clientID: String
    public var secret: SecretSource
    public var authMethod: AuthMethod
    public var scopes: [String]
    /// Fixed extra query parameters for the authorize URL (`access_type=offline` for Google).
    public var authorizationParameters: [String: String]
    /// The MCP servers (resource URIs, normalized) allowed to receive this provider's tokens by token exchange.
    public var resources: [String]

    /// Parameters Latchkey sets itself on every authorize URL; a provider may not override them.
    public static let reservedAuthorizationParameters: Set<String> = [
        "response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scope",
    ]

    /// `[a-z0-9][a-z0-9-]{0,62}`: it appears in URLs (`/connections/{id}/connect`) and in the vault's associated data.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            (97...122).contains(byte) || (48...57).contains(byte) || (!first && byte == 45)
        }
        return allowed(bytes[0], first: true) && bytes.dropFirst().allSatisfy { allowed($0, first: false) }
    }

    /// - Parameter allowsHTTP: `egress-allow-loopback`, the only way an `http` endpoint is accepted.
    public init(
        id: String, name: String?, endpoints: Endpoints, revocationEndpoint: String?, userinfoEndpoint: String?, accountField: String?,
        clientID: String, secret: SecretSource, authMethod: AuthMethod, scopes: [String], authorizationParameters: [String: String],
        resources: [String] = [], allowsHTTP: Bool
    ) throws {
        guard Self.isValidID(id) else {
            throw ProviderError("id '\(RedirectURIPolicy.excerpt(id))' must be 1 to 63 of a-z, 0-9 and '-', starting with a letter or digit")
        }
        func endpoint(_ member: String, _ value: String) throws {
            guard Self.isEndpoint(value, allowsHTTP: allowsHTTP) else {
                throw ProviderError("\(id): \(member) must be an absolute https URL without a fragment\(allowsHTTP ? " (or http)" : "")")
            }
        }
        switch endpoints {
        case .discovered(let issuer):
            try endpoint("issuer", issuer)
        case .configured(let authorization, let token):
            try endpoint("authorization_endpoint", authorization)
            try endpoint("token_endpoint", token)
        }
        if let revocationEndpoint { try endpoint("revocation_endpoint", revocationEndpoint) }
        if let userinfoEndpoint { try endpoint("userinfo_endpoint", userinfoEndpoint) }
        // With discovery the metadata may name the userinfo endpoint; with explicit endpoints it must be configured.
        if accountField != nil, userinfoEndpoint == nil, case .configured = endpoints {
            throw ProviderError("\(id): account_field needs a userinfo_endpoint to read it from")
        }
        guard !clientID.isEmpty, clientID.utf8.count <= 512 else { throw ProviderError("\(id): client_id must be 1 to 512 characters") }
        switch (authMethod, secret) {
        case (.none, .none): break
        case (.none, _): throw ProviderError("\(id): token_endpoint_auth_method none takes no client secret")
        case (_, .none): throw ProviderError("\(id): set client_secret_env or client_secret_file (\(authMethod.rawValue) needs a secret)")
        default: break
        }
        for scope in scopes where !Scope.isValidToken(scope) {
            throw ProviderError("\(id): scope '\(RedirectURIPolicy.excerpt(scope))' is not a valid scope token")
        }
        if let reserved = authorizationParameters.keys.sorted().first(where: Self.reservedAuthorizationParameters.contains) {
            throw ProviderError("\(id): authorization_params may not set '\(reserved)'; Latchkey sets it")
        }
        self.id = id
        self.name = name ?? id
        self.endpoints = endpoints
        self.revocationEndpoint = revocationEndpoint
        self.userinfoEndpoint = userinfoEndpoint
        self.accountField = accountField
        self.clientID = clientID
        self.secret = secret
        self.authMethod = authMethod
        self.scopes = scopes
        self.authorizationParameters = authorizationParameters
        do {
            self.resources = try resources.map { try ResourceIndicator($0).uri }
        } catch {
            throw ProviderError("\(id): resources must be resource URIs (absolute https, no fragment) of configured resources")
        }
    }

    static func isEndpoint(_ value: String, allowsHTTP: Bool) -> Bool {
        guard value.utf8.count <= 2000, !value.unicodeScalars.contains("#"), URISyntax.hasOnlyURICharacters(value),
              let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else { return false }
        return scheme == "https" || (scheme == "http" && allowsHTTP)
    }
}

/// A provider entry that cannot be used, with the reason.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
