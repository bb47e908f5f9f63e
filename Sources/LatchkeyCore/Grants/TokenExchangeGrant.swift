/// RFC 8693 token exchange for the vault: an MCP server presents the user's Latchkey access token (the one an MCP
/// client sent it) and names a provider as `audience`; it gets that user's upstream access token — never a refresh
/// token.
///
/// Who may exchange what: the caller authenticated as client C; the subject token is a *user's* token whose `aud`
/// contains a resource R whose `client_id` is C; and R is among the provider's `resources`. So an MCP server only
/// exchanges tokens issued for it (no confused deputy), for providers the operator allowed for it.
public struct TokenExchangeGrant: Sendable {
    public static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

    public struct Request: Sendable, Equatable {
        public var subjectToken: String
        public var providerID: String
        /// `latchkey_force_refresh=true`: the upstream refused the token handed out, so refresh once even if it looks
        /// fresh.
        public var forceRefresh: Bool
        /// `latchkey_refused_token_sha256`: base64url SHA-256 of the token the upstream refused. When the stored token
        /// is already another one (someone refreshed meanwhile), that one is the answer and nothing is refreshed.
        public var refusedTokenHash: String?
    }

    public let resources: ResourceRegistry
    public let providers: [UpstreamProvider]

    public init(resources: ResourceRegistry, providers: [UpstreamProvider]) {
        self.resources = resources
        self.providers = providers
    }

    /// §2.1: the parameters, strictly. What Latchkey does not support is refused rather than ignored.
    public static func parse(_ form: FormParameters) throws -> Request {
        let subjectToken = try form.require("subject_token")
        guard form["subject_token_type"] == accessTokenType else {
            throw OAuthError.invalidRequest("subject_token_type must be \(accessTokenType)")
        }
        if form["actor_token"] != nil || form["actor_token_type"] != nil {
            throw OAuthError.invalidRequest("actor_token is not supported")
        }
        if let requested = form["requested_token_type"], requested != accessTokenType {
            throw OAuthError.invalidRequest("requested_token_type may only be \(accessTokenType)")
        }
        if form["scope"] != nil || !form.all("resource").isEmpty {
            throw OAuthError.invalidRequest("name the provider with audience; scope and resource are not supported in an exchange")
        }
        guard let audience = form["audience"] else {
            throw OAuthError.invalidRequest("audience is required: the id of the upstream provider")
        }
        let force: Bool
        switch form["latchkey_force_refresh"] {
        case nil, "false"?: force = false
        case "true"?: force = true
        default: throw OAuthError.invalidRequest("latchkey_force_refresh must be true or false")
        }
        let refused = form["latchkey_refused_token_sha256"]
        if let refused {
            guard force, Base64URL.looks32Bytes(refused) else {
                throw OAuthError.invalidRequest("latchkey_refused_token_sha256 goes with latchkey_force_refresh=true and is 43 base64url characters")
            }
        }
        return Request(subjectToken: subjectToken, providerID: audience, forceRefresh: force, refusedTokenHash: refused)
    }

    /// The provider and the user the caller may exchange `claims` (a verified, unrevoked Latchkey token) for.
    /// RFC 8693 §2.2.2: a subject token that is not a user's is `invalid_request`; an audience the caller may not
    /// have is `invalid_target`.
    public func authorize(caller clientID: String, subject claims: AccessTokenClaims, providerID: String) throws -> (UpstreamProvider, String) {
        guard claims.authTime != nil, claims.subject != claims.clientID else {
            throw OAuthError.invalidRequest("subject_token is not a user's token")
        }
        guard let provider = providers.first(where: { $0.id == providerID }) else {
            throw OAuthError(.invalidTarget, "audience '\(RedirectURIPolicy.excerpt(providerID))' is not a provider this caller may use with this subject_token")
        }
        let callerResources = resources.resources(ownedBy: clientID).map(\.uri)
        guard claims.audience.contains(where: { callerResources.contains($0) && provider.resources.contains($0) }) else {
            // The same answer whether the token was for another MCP server or the provider is not allowed for this one.
            throw OAuthError(.invalidTarget, "audience '\(RedirectURIPolicy.excerpt(providerID))' is not a provider this caller may use with this subject_token")
        }
        return (provider, claims.subject)
    }
}
