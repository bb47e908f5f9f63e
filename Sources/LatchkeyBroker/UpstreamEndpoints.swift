import LatchkeyCore

/// Where a provider's endpoints are, from its configuration or its RFC 8414 metadata. The operator's explicit
/// `revocation_endpoint` and `userinfo_endpoint` win over the metadata's.
public struct UpstreamEndpoints: Sendable, Equatable {
    public var authorization: String
    public var token: String
    public var revocation: String?
    public var userinfo: String?
    /// The issuer the callback's `iss` must equal (RFC 9207); `nil` when the endpoints are configured by hand.
    public var issuer: String?
    /// The upstream said it always sends `iss` (`authorization_response_iss_parameter_supported`).
    public var issRequired: Bool

    /// A provider configured with explicit endpoints.
    init(provider: UpstreamProvider, authorization: String, token: String) {
        self.authorization = authorization
        self.token = token
        self.revocation = provider.revocationEndpoint
        self.userinfo = provider.userinfoEndpoint
        self.issuer = nil
        self.issRequired = false
    }

    /// A provider discovered through its metadata.
    init(provider: UpstreamProvider, metadata: UpstreamMetadata) {
        self.authorization = metadata.authorizationEndpoint
        self.token = metadata.tokenEndpoint
        self.revocation = provider.revocationEndpoint ?? metadata.revocationEndpoint
        self.userinfo = provider.userinfoEndpoint ?? metadata.userinfoEndpoint
        self.issuer = metadata.issuer
        self.issRequired = metadata.issParameterSupported
    }
}
