/// RFC 6749 §4.1.3 and OAuth 2.1 §4.1.3: what a redeemed code must match before tokens are issued.
public enum AuthorizationCodeGrant {
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
