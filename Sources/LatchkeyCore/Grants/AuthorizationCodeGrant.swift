/// RFC 6749 §4.1.3, OAuth 2.1 §4.1.3 and RFC 7636: every rule of exchanging an authorization code for tokens.
///
/// The token endpoint's service redeems the code in the store, then asks this type what the redemption means:
/// the checks a redeemed code must pass, whether a refresh token comes with the answer, and what a replay revokes.
public enum AuthorizationCodeGrant {
    /// §5.2: a code that is unknown, expired, or issued to another client (the store hides those as not found).
    public static let invalidCode = OAuthError(.invalidGrant, "The authorization code is invalid or expired")
    /// §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny the request and
    /// SHOULD revoke (when possible) all tokens previously issued based on that authorization code."
    public static let replayed = OAuthError(.invalidGrant, "The authorization code was already used; tokens issued from it are revoked")

    /// What the token endpoint does when a code comes back a second time.
    public enum ReplayAction: Sendable, Equatable {
        /// Revoke the access token the first redemption issued (by jti, until it would have expired).
        case revokeAccessToken(tokenID: String, expiresAt: Int64)
        /// Revoke every refresh family started from the code, and the access tokens issued with them.
        case revokeRefreshFamilies(originCodeHash: String)
    }

    /// The revocations a replay of `record` sets off, in order; then the request fails with `replayed`.
    ///
    /// - Parameter accessTokenLifetime: bounds the revocation of a jti the first redemption recorded without an expiry.
    public static func replayActions(_ record: AuthorizationCodeRecord, now: Int64, accessTokenLifetime: Int64) -> [ReplayAction] {
        var actions: [ReplayAction] = []
        if let tokenID = record.accessTokenID {
            actions.append(.revokeAccessToken(tokenID: tokenID, expiresAt: record.accessTokenExpiresAt ?? now + accessTokenLifetime))
        }
        actions.append(.revokeRefreshFamilies(originCodeHash: record.codeHash))
        return actions
    }

    /// Checks a freshly redeemed `record` against the token request and returns the audience to issue for.
    ///
    /// - Parameter computeChallenge: S256 of a verifier (base64url SHA-256), supplied by the caller so Core stays
    ///   free of crypto code.
    public static func check(
        _ record: AuthorizationCodeRecord,
        clientID: String,
        redirectURI: String?,
        codeVerifier: String?,
        resource: [String],
        computeChallenge: (String) -> String,
        constantTimeEquals: (String, String) -> Bool
    ) throws -> [String] {
        func invalidGrant(_ description: String) -> OAuthError { OAuthError(.invalidGrant, description) }
        // §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client, or if
        // the client is public, ensure that the code was issued to client_id in the request".
        guard record.clientID == clientID else { throw invalidGrant("The code was issued to another client") }
        // §4.1.3: redirect_uri is required if the authorization request had it, and must then be identical.
        if record.redirectURIProvided, redirectURI == nil {
            throw OAuthError.invalidRequest("The parameter 'redirect_uri' is required")
        }
        if let redirectURI, !AuthorizationRequestValidator.isValidRedirectURI(redirectURI) {
            throw OAuthError.invalidRequest("redirect_uri is not a valid redirect URI (RFC 6749 §3.1.2: no fragment)")
        }
        if let redirectURI, redirectURI != record.redirectURI {
            throw invalidGrant("redirect_uri does not match the authorization request")
        }
        // RFC 7636 §4.6; a verifier without a stored challenge can't happen: every code stores one.
        guard let codeVerifier else { throw OAuthError.invalidRequest("The parameter 'code_verifier' is required") }
        guard PKCE.isValidVerifier(codeVerifier) else {
            throw OAuthError.invalidRequest("code_verifier must be 43 to 128 unreserved characters")
        }
        guard !record.codeChallenge.isEmpty, constantTimeEquals(computeChallenge(codeVerifier), record.codeChallenge) else {
            throw invalidGrant("code_verifier does not match the code_challenge")
        }
        return try narrow(record.audience, to: resource)
    }

    /// Whether the exchange of `record` comes with a refresh token: only if the user approved one with this code
    /// (the consent page said so) *and* the client still has the grant — a grant added after the approval (RFC 7592)
    /// does not reach a code already issued.
    public static func issuesRefreshToken(_ record: AuthorizationCodeRecord, to client: RegisteredClient) -> Bool {
        record.offlineAccess && RefreshTokenGrant.isOffered(to: client)
    }

    /// RFC 8707 §2.2: a token request's `resource` may narrow the authorized audience, never widen it.
    public static func narrow(_ authorized: [String], to requested: [String]) throws -> [String] {
        guard !requested.isEmpty else { return authorized }
        let normalized = try requested.map { try ResourceIndicator($0).uri }
        if let extra = normalized.first(where: { !authorized.contains($0) }) {
            throw OAuthError(.invalidTarget, "resource '\(RedirectURIPolicy.excerpt(extra))' was not authorized")
        }
        return authorized.filter(normalized.contains)
    }
}
