import LatchkeyCore
import LatchkeyCrypto

/// The authorization endpoint's work (RFC 6749 §4.1.1–§4.1.2): validate the request against the registered
/// client, decide between login, consent and a code, remember approvals, and issue codes.
struct AuthorizationService: Sendable {
    let clients: any ClientStore
    let validator: AuthorizationRequestValidator
    let codes: any AuthorizationCodeStore
    let consents: any ConsentStore
    let refreshTokens: any RefreshTokenStore
    let revocations: RevocationList
    let hasher: SecretHasher
    let issuer: Issuer
    let clock: UnixClock
    /// RFC 6749 §4.1.2 recommends at most 10 minutes; a browser redirect needs seconds.
    let codeLifetime: Int64 = 60

    static let repeatable: Set<String> = ["resource"]

    /// A validated request and its client, or the error and how to deliver it.
    func validate(query: Substring) async throws -> Result<(AuthorizationRequest, RegisteredClient), AuthorizationRequestError> {
        let parameters: FormParameters
        do {
            parameters = try FormParameters(parsing: query, repeatable: Self.repeatable)
        } catch let error as OAuthError {
            // A repeated parameter (§3.1): redirect the error if client_id and redirect_uri are themselves sound,
            // else show it on a page (§4.1.2.1).
            if let all = try? FormParameters.allValues(parsing: query), let id = all["client_id"]?.first, ClientAuthentication.isPlausible(clientID: id),
               let target = AuthorizationRequestValidator.errorRedirect(for: all, client: try await clients.usableClient(id: id)) {
                return .failure(.redirect(error, redirectURI: target.redirectURI, state: target.state))
            }
            return .failure(.page(error))
        }
        let client: RegisteredClient?
        if let clientID = parameters["client_id"], ClientAuthentication.isPlausible(clientID: clientID) {
            do {
                client = try await clients.client(id: clientID)
            } catch let error as ClientIDMetadataDocumentError {
                // A URL client id whose document is missing, unreachable or invalid: say why, on a page — its
                // redirect URIs are unknown or untrusted, so nothing is redirected (§4.1.2.1).
                return .failure(.page(OAuthError(.invalidClient, error.description)))
            }
        } else {
            client = nil
        }
        // A request the validator accepts has a registered client; `nil` would be a validator bug, refused as one.
        return validator.validate(parameters, client: client).flatMap { request in
            guard let client else { return .failure(.page(OAuthError.serverError(debug: "a request validated without a client"))) }
            return .success((request, client))
        }
    }

    /// What to do for a valid request, given the browser's session.
    func step(_ request: AuthorizationRequest, user: User?, freshLogin: Bool) async throws -> AuthorizationStep {
        var remembered: Consent?
        if let user {
            remembered = try await consents.consent(userID: user.id, clientID: request.clientID, audience: request.audience)
        }
        return AuthorizationStep.decide(request, hasSession: user != nil, freshLogin: freshLogin, remembered: remembered)
    }

    /// Stores a code for the request and returns the redirect carrying it (§4.1.2, RFC 9207 `iss`).
    func issueCode(_ request: AuthorizationRequest, session: BrowserSession) async throws -> String {
        let code = RandomToken.generate(bytes: 32)
        let time = clock.now()
        try await codes.create(AuthorizationCodeRecord(
            codeHash: hasher.hash(code), clientID: request.clientID, userID: session.userID, redirectURI: request.redirectURI,
            codeChallenge: request.codeChallenge, scopes: request.scopes, audience: request.audience, authTime: session.authTime,
            createdAt: time, expiresAt: time + codeLifetime, redirectURIProvided: request.redirectURIProvided,
            offlineAccess: request.offlineAccess
        ))
        return AuthorizationResponse.success(redirectURI: request.redirectURI, code: code, state: request.state, issuer: issuer.url)
    }

    /// The user approved: remember it, then issue a code.
    func approve(_ request: AuthorizationRequest, session: BrowserSession) async throws -> String {
        try await consents.grant(Consent(approving: request, userID: session.userID, now: clock.now()))
        return try await issueCode(request, session: session)
    }

    func errorRedirect(_ error: OAuthError, redirectURI: String, state: String?) -> String {
        AuthorizationResponse.error(error, redirectURI: redirectURI, state: state, issuer: issuer.url)
    }

    /// Forgets an approval and revokes the refresh tokens the client holds for this user, so revoking on the
    /// account page actually cuts the client off (its access tokens expire within their lifetime).
    func revokeConsent(userID: String, clientID: String, audience: [String]) async throws -> Bool {
        let forgotten = try await consents.revoke(userID: userID, clientID: clientID, audience: audience)
        let time = clock.now()
        try await refreshTokens.revokeAll(userID: userID, clientID: clientID, now: time)
        try await revocations.sync(now: time)
        return forgotten
    }
}
