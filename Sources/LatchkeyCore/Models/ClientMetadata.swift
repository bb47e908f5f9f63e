/// OAuth grant types a client may register (RFC 7591 §2).
public enum GrantType: String, Codable, Sendable, CaseIterable, Hashable {
    case authorizationCode = "authorization_code"
    case refreshToken = "refresh_token"
    case clientCredentials = "client_credentials"
}

/// How a client authenticates at the token endpoint (RFC 7591 §2).
public enum TokenEndpointAuthMethod: String, Codable, Sendable, CaseIterable, Hashable {
    case none
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    /// A JWT signed with a key the client registered (`jwks` or `jwks_uri`; RFC 7523 §2.2, OIDC Core §9).
    case privateKeyJWT = "private_key_jwt"

    /// A client that can authenticate; `none` is a public client that relies on PKCE alone.
    public var isConfidential: Bool { self != .none }

    /// Whether the method is a shared secret the server issues. A `private_key_jwt` client is confidential but
    /// holds no secret of ours: none is ever issued to it.
    public var usesSecret: Bool { self == .clientSecretBasic || self == .clientSecretPost }
}

/// OpenID Connect Dynamic Client Registration §2 `application_type`.
public enum ApplicationType: String, Codable, Sendable, CaseIterable, Hashable {
    case web
    case native
}

/// A client's validated metadata: only what `ClientRegistrationPolicy` accepted, in normalized form.
public struct ClientMetadata: Codable, Sendable, Equatable {
    public var redirectURIs: [String]
    public var tokenEndpointAuthMethod: TokenEndpointAuthMethod
    public var grantTypes: [GrantType]
    public var responseTypes: [String]
    public var applicationType: ApplicationType
    public var clientName: String?
    public var clientURI: String?
    public var logoURI: String?
    public var tosURI: String?
    public var policyURI: String?
    public var softwareID: String?
    public var softwareVersion: String?
    /// Space-delimited; `nil` means the client may ask for any scope the server supports.
    public var scope: String?
    public var contacts: [String]?
    /// The public keys a `private_key_jwt` client signs with (RFC 7591 §2 `jwks`); never together with `jwksURI`.
    public var jwks: ClientJWKSet?
    /// Where those keys are published (RFC 7591 §2 `jwks_uri`), fetched through egress and cached.
    public var jwksURI: String?

    public init(
        redirectURIs: [String],
        tokenEndpointAuthMethod: TokenEndpointAuthMethod,
        grantTypes: [GrantType],
        responseTypes: [String],
        applicationType: ApplicationType,
        clientName: String? = nil,
        clientURI: String? = nil,
        logoURI: String? = nil,
        tosURI: String? = nil,
        policyURI: String? = nil,
        softwareID: String? = nil,
        softwareVersion: String? = nil,
        scope: String? = nil,
        contacts: [String]? = nil,
        jwks: ClientJWKSet? = nil,
        jwksURI: String? = nil
    ) {
        self.redirectURIs = redirectURIs
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.grantTypes = grantTypes
        self.responseTypes = responseTypes
        self.applicationType = applicationType
        self.clientName = clientName
        self.clientURI = clientURI
        self.logoURI = logoURI
        self.tosURI = tosURI
        self.policyURI = policyURI
        self.softwareID = softwareID
        self.softwareVersion = softwareVersion
        self.scope = scope
        self.contacts = contacts
        self.jwks = jwks
        self.jwksURI = jwksURI
    }

    enum CodingKeys: String, CodingKey {
        case redirectURIs = "redirect_uris"
        case tokenEndpointAuthMethod = "token_endpoint_auth_method"
        case grantTypes = "grant_types"
        case responseTypes = "response_types"
        case applicationType = "application_type"
        case clientName = "client_name"
        case clientURI = "client_uri"
        case logoURI = "logo_uri"
        case tosURI = "tos_uri"
        case policyURI = "policy_uri"
        case softwareID = "software_id"
        case softwareVersion = "software_version"
        case scope
        case contacts
        case jwks
        case jwksURI = "jwks_uri"
    }
}
