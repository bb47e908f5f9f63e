/// The grants the token endpoint serves (RFC 6749 §4.1.3, §4.4, §6), picked from `grant_type`.
///
/// Kept apart from `GrantType`, which lists what a client may *register* for (RFC 7591 `grant_types`): a grant the
/// endpoint serves is not thereby registrable. A grant added later (token exchange) gets a case here and none there,
/// so dynamic registration cannot hand it out.
public enum TokenEndpointGrant: String, Sendable, CaseIterable, Hashable {
    case authorizationCode = "authorization_code"
    case refreshToken = "refresh_token"
    case clientCredentials = "client_credentials"
    /// RFC 8693: an MCP server exchanges a user's Latchkey token for that user's upstream access token. Not
    /// registrable: only the confidential client a `resources` entry names may use it (`TokenExchangeGrant`).
    case tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

    /// The grant a token request names; anything else is `unsupported_grant_type` (RFC 6749 §5.2).
    public init(form: FormParameters) throws {
        let value = try form.require("grant_type")
        guard let grant = TokenEndpointGrant(rawValue: value) else {
            throw OAuthError(.unsupportedGrantType, "grant_type '\(RedirectURIPolicy.excerpt(value))' is not supported")
        }
        self = grant
    }

    /// The registration a client needs to use this grant; `nil` for a grant no client can register for.
    public var registration: GrantType? {
        switch self {
        case .authorizationCode: .authorizationCode
        case .refreshToken: .refreshToken
        case .clientCredentials: .clientCredentials
        case .tokenExchange: nil
        }
    }

    /// RFC 6749 §5.2 `unauthorized_client` unless `client` registered this grant.
    public func requireRegistered(_ client: RegisteredClient) throws {
        guard let registration, client.metadata.grantTypes.contains(registration) else {
            throw OAuthError(.unauthorizedClient, "This client is not registered for the \(rawValue) grant")
        }
    }
}
