import LatchkeyCore
import LatchkeyCrypto

/// Signs the access token every grant ends with (RFC 9068) and shapes the answer (RFC 6749 §5.1).
struct AccessTokenIssuer: Sendable {
    let codec: AccessTokenCodec
    let issuer: Issuer
    /// Seconds an access token lives.
    let lifetime: Int64
    let clock: UnixClock

    func issue(
        subject: String, client: RegisteredClient, scopes: [String], audience: [String], authTime: Int64?,
        tokenID: String = RandomToken.generate(bytes: 16), issuedAt: Int64? = nil
    ) throws -> TokenResponse {
        // RFC 9068 §2.2: `aud` is required.
        guard !audience.isEmpty else { throw OAuthError.serverError(debug: "a grant without an audience reached issue()") }
        let issuedAt = issuedAt ?? clock.now()
        let scope = scopes.isEmpty ? nil : scopes.joined(separator: " ")
        let claims = AccessTokenClaims(
            issuer: issuer.url, subject: subject, audience: audience, clientID: client.clientID, scope: scope,
            issuedAt: issuedAt, expiresAt: issuedAt + lifetime, tokenID: tokenID, authTime: authTime
        )
        return TokenResponse(
            accessToken: try codec.sign(claims), expiresIn: lifetime, scope: scope, tokenID: claims.tokenID, expiresAt: claims.expiresAt
        )
    }
}

/// RFC 6749 §5.1 successful response.
struct TokenResponse: Encodable, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresIn: Int64
    var refreshToken: String?
    var scope: String?
    /// The access token's jti and exp; not sent.
    var tokenID: String = ""
    var expiresAt: Int64 = 0

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}
