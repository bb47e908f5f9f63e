import LatchkeyCore
import LatchkeyCrypto

/// The token endpoint's work after the request is parsed: authenticate the client, apply the grant,
/// issue the access token (RFC 6749 §5.1).
struct TokenService: Sendable {
    let authenticator: ClientAuthenticator
    let codec: AccessTokenCodec
    let issuer: Issuer
    let clientCredentials: ClientCredentialsGrant
    let accessTokenLifetime: Int64
    let now: @Sendable () -> Int64

    func token(_ form: FormParameters, authorization: String?) async throws -> TokenResponse {
        let grantType = try form.require("grant_type")
        let client = try await authenticator.authenticate(try ClientCredentials(authorization: authorization, form: form))
        switch GrantType(rawValue: grantType) {
        case .clientCredentials:
            let decision = try clientCredentials.decide(client: client, scope: form["scope"], resource: form.all("resource"))
            return try issue(subject: client.clientID, client: client, scopes: decision.scopes, audience: decision.audience, authTime: nil)
        case .authorizationCode, .refreshToken:
            // Browser login, consent and the code flow arrive with the authorization endpoint.
            throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not available on this server yet")
        case nil:
            throw OAuthError(.unsupportedGrantType, "grant_type '\(RedirectURIPolicy.excerpt(grantType))' is not supported")
        }
    }

    func issue(subject: String, client: RegisteredClient, scopes: [String], audience: [String], authTime: Int64?) throws -> TokenResponse {
        let issuedAt = now()
        let scope = scopes.isEmpty ? nil : scopes.joined(separator: " ")
        let claims = AccessTokenClaims(
            issuer: issuer.url, subject: subject, audience: audience, clientID: client.clientID, scope: scope,
            issuedAt: issuedAt, expiresAt: issuedAt + accessTokenLifetime, tokenID: RandomToken.generate(bytes: 16),
            authTime: authTime
        )
        return TokenResponse(accessToken: try codec.sign(claims), expiresIn: accessTokenLifetime, scope: scope)
    }
}

/// RFC 6749 §5.1 successful response.
struct TokenResponse: Encodable, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresIn: Int64
    var refreshToken: String?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}
