/// RFC 8414 authorization server metadata, also served as the OpenID discovery alias.
public struct AuthorizationServerMetadata: Codable, Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var registrationEndpoint: String
    public var jwksURI: String
    public var revocationEndpoint: String?
    public var revocationEndpointAuthMethodsSupported: [String]?
    public var revocationEndpointAuthSigningAlgValuesSupported: [String]?
    public var introspectionEndpoint: String?
    public var introspectionEndpointAuthMethodsSupported: [String]?
    public var introspectionEndpointAuthSigningAlgValuesSupported: [String]?
    public var scopesSupported: [String]
    public var responseTypesSupported: [String]
    public var responseModesSupported: [String]
    public var grantTypesSupported: [String]
    public var tokenEndpointAuthMethodsSupported: [String]
    /// RFC 8414 §2: the `private_key_jwt` signature algorithms (`ClientAssertionPolicy.algorithms`).
    public var tokenEndpointAuthSigningAlgValuesSupported: [String]
    public var codeChallengeMethodsSupported: [String]
    public var authorizationResponseIssParameterSupported: Bool
    /// OAuth Client ID Metadata Documents: URL client ids are accepted (MCP clients use them when this is `true`).
    public var clientIDMetadataDocumentSupported: Bool
    public var serviceDocumentation: String?

    /// The document for `issuer` with Latchkey's endpoint layout.
    public init(issuer: Issuer, scopesSupported: [String], clientIDMetadataDocumentSupported: Bool = true) {
        self.issuer = issuer.url
        self.authorizationEndpoint = issuer.endpoint("/authorize")
        self.tokenEndpoint = issuer.endpoint("/token")
        self.registrationEndpoint = issuer.endpoint("/register")
        self.jwksURI = issuer.endpoint("/jwks.json")
        self.revocationEndpoint = issuer.endpoint("/revoke")
        self.revocationEndpointAuthMethodsSupported = TokenEndpointAuthMethod.allCases.map(\.rawValue)
        self.revocationEndpointAuthSigningAlgValuesSupported = ClientAssertionPolicy.algorithms
        self.introspectionEndpoint = issuer.endpoint("/introspect")
        // RFC 7662 §2.1: only authenticated resource servers, so no `none`.
        self.introspectionEndpointAuthMethodsSupported = TokenEndpointAuthMethod.allCases.filter(\.isConfidential).map(\.rawValue)
        self.introspectionEndpointAuthSigningAlgValuesSupported = ClientAssertionPolicy.algorithms
        self.scopesSupported = scopesSupported
        self.responseTypesSupported = ["code"]
        self.responseModesSupported = ["query"]
        // What the token endpoint serves, not what a client may register for (a served grant need not be registrable).
        self.grantTypesSupported = TokenEndpointGrant.allCases.map(\.rawValue)
        self.tokenEndpointAuthMethodsSupported = TokenEndpointAuthMethod.allCases.map(\.rawValue)
        self.tokenEndpointAuthSigningAlgValuesSupported = ClientAssertionPolicy.algorithms
        self.codeChallengeMethodsSupported = ["S256"]
        self.authorizationResponseIssParameterSupported = true
        self.clientIDMetadataDocumentSupported = clientIDMetadataDocumentSupported
        self.serviceDocumentation = nil
    }

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case registrationEndpoint = "registration_endpoint"
        case jwksURI = "jwks_uri"
        case revocationEndpoint = "revocation_endpoint"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case revocationEndpointAuthSigningAlgValuesSupported = "revocation_endpoint_auth_signing_alg_values_supported"
        case introspectionEndpoint = "introspection_endpoint"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case introspectionEndpointAuthSigningAlgValuesSupported = "introspection_endpoint_auth_signing_alg_values_supported"
        case scopesSupported = "scopes_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case grantTypesSupported = "grant_types_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case tokenEndpointAuthSigningAlgValuesSupported = "token_endpoint_auth_signing_alg_values_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case clientIDMetadataDocumentSupported = "client_id_metadata_document_supported"
        case serviceDocumentation = "service_documentation"
    }
}
