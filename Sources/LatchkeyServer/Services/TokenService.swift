import LatchkeyCore
import LatchkeyCrypto

/// The token endpoint's work after the request is parsed: authenticate the client, apply the grant,
/// issue the access token (RFC 6749 §5.1).
struct TokenService: Sendable {
    let authenticator: ClientAuthenticator
    let codec: AccessTokenCodec
    let issuer: Issuer
    let clientCredentials: ClientCredentialsGrant
    let codes: any AuthorizationCodeStore
    let refreshTokens: any RefreshTokenStore
    let revocations: RevocationList
    let users: any UserStore
    let hasher: SecretHasher
    let lifetimes: Lifetimes
    let now: @Sendable () -> Int64

    struct Lifetimes: Sendable {
        var accessToken: Int64
        var refreshIdle: Int64
        var refreshAbsolute: Int64
        var refreshGrace: Int64
    }

    var accessTokenLifetime: Int64 { lifetimes.accessToken }

    func token(_ form: FormParameters, authorization: String?) async throws -> TokenResponse {
        let grantType = try form.require("grant_type")
        let client = try await authenticator.authenticate(try ClientCredentials(authorization: authorization, form: form))
        switch GrantType(rawValue: grantType) {
        case .clientCredentials:
            let decision = try clientCredentials.decide(client: client, scope: form["scope"], resource: form.all("resource"))
            return try issue(subject: client.clientID, client: client, scopes: decision.scopes, audience: decision.audience, authTime: nil)
        case .authorizationCode:
            return try await authorizationCode(form, client: client)
        case .refreshToken:
            return try await refresh(form, client: client)
        case nil:
            throw OAuthError(.unsupportedGrantType, "grant_type '\(RedirectURIPolicy.excerpt(grantType))' is not supported")
        }
    }

    /// RFC 6749 §4.1.3 with PKCE. A replayed code revokes everything issued from it (§4.1.2).
    func authorizationCode(_ form: FormParameters, client: RegisteredClient) async throws -> TokenResponse {
        guard client.metadata.grantTypes.contains(.authorizationCode) else {
            throw OAuthError(.unauthorizedClient, "This client is not registered for the authorization_code grant")
        }
        let code = try form.require("code")
        let codeHash = hasher.hash(code)
        let time = now()
        switch try await codes.redeem(codeHash: codeHash, clientID: client.clientID, now: time) {
        case .notFound, .expired:
            throw OAuthError(.invalidGrant, "The authorization code is invalid or expired")
        case .replayed(let record):
            if let jti = record.accessTokenID {
                try await revocations.revoke(tokenID: jti, expiresAt: record.accessTokenExpiresAt ?? time + accessTokenLifetime, now: time)
            }
            try await refreshTokens.revokeFamilies(originCodeHash: codeHash, now: time)
            try await revocations.sync(now: time)
            throw OAuthError(.invalidGrant, "The authorization code was already used; tokens issued from it are revoked")
        case .redeemed(let record):
            let audience = try AuthorizationCodeGrant.check(
                record, clientID: client.clientID, redirectURI: form["redirect_uri"], codeVerifier: form["code_verifier"],
                resource: form.all("resource"), computeChallenge: PKCEChallenge.s256, constantTimeEquals: ConstantTime.equals
            )
            try await requireActiveUser(record.userID)
            // Sign first, then record the jti and start the family in one transaction: a replay racing this request
            // either sees what was recorded (and revokes it) or makes the recording fail (and nothing is handed out).
            var response = try issue(subject: record.userID, client: client, scopes: record.scopes, audience: audience, authTime: record.authTime)
            var family: RefreshTokenRecord?
            // A refresh token only if the user approved one with this code and the client still has the grant.
            if record.offlineAccess, client.metadata.grantTypes.contains(.refreshToken) {
                let token = RandomToken.generate(bytes: 32)
                family = RefreshTokenRecord(
                    tokenHash: hasher.hash(token), familyID: RandomToken.generate(bytes: 16), clientID: client.clientID, userID: record.userID,
                    scopes: record.scopes, audience: record.audience, authTime: record.authTime, originCodeHash: codeHash,
                    createdAt: time, expiresAt: time + lifetimes.refreshIdle, familyExpiresAt: time + lifetimes.refreshAbsolute,
                    accessTokenID: response.tokenID, accessTokenExpiresAt: response.expiresAt
                )
                response.refreshToken = token
            }
            guard try await codes.recordIssued(codeHash: codeHash, accessTokenID: response.tokenID, expiresAt: response.expiresAt, family: family) else {
                throw OAuthError(.invalidGrant, "The authorization code was already used; tokens issued from it are revoked")
            }
            return response
        }
    }

    /// RFC 6749 §6 with rotation: the presented token is replaced; scope and resource may narrow, never widen.
    func refresh(_ form: FormParameters, client: RegisteredClient) async throws -> TokenResponse {
        guard client.metadata.grantTypes.contains(.refreshToken) else {
            throw OAuthError(.unauthorizedClient, "This client is not registered for the refresh_token grant")
        }
        let presented = try form.require("refresh_token")
        let requestedScopes = try Scope.parse(form["scope"])
        let requestedResources = form.all("resource")
        let time = now()
        let newToken = RandomToken.generate(bytes: 32)
        let newHash = hasher.hash(newToken)
        let idle = lifetimes.refreshIdle
        // The access token's jti is chosen before the rotation commits, so the new refresh token records it and a
        // later family revocation reaches this access token too.
        let accessTokenID = RandomToken.generate(bytes: 16)
        let accessTokenExpiresAt = time + accessTokenLifetime
        let outcome = try await refreshTokens.rotate(
            tokenHash: hasher.hash(presented), clientID: client.clientID, now: time, graceSeconds: lifetimes.refreshGrace
        ) { previous in
            // Validate the narrowing here so a widening request changes nothing. The new refresh token keeps the
            // original grant (RFC 6749 §6: "identical to that of the refresh token included by the client");
            // only this access token is narrowed (RFC 8707 §2.2).
            _ = requestedScopes.isEmpty ? [] : try Scope.require(requestedScopes, within: previous.scopes)
            _ = try AuthorizationCodeGrant.narrow(previous.audience, to: requestedResources)
            var next = previous
            next.tokenHash = newHash
            next.createdAt = time
            next.expiresAt = min(time + idle, previous.familyExpiresAt)
            next.rotatedAt = nil
            next.graceUsed = false
            next.accessTokenID = accessTokenID
            next.accessTokenExpiresAt = accessTokenExpiresAt
            next.parentHash = previous.tokenHash
            return next
        }
        guard case .rotated(_, let next) = outcome else {
            if outcome == .reuseDetected {
                // The family's access tokens were revoked in the store: take them into this instance's list now.
                try await revocations.sync(now: time)
            }
            throw OAuthError(.invalidGrant, "The refresh token is invalid, expired or revoked")
        }
        do {
            try await requireActiveUser(next.userID)
        } catch {
            _ = try await refreshTokens.revokeFamily(tokenHash: newHash, clientID: client.clientID, now: time)
            try await revocations.sync(now: time)
            throw error
        }
        let scopes = requestedScopes.isEmpty ? next.scopes : requestedScopes
        let audience = try AuthorizationCodeGrant.narrow(next.audience, to: requestedResources)
        var response = try issue(
            subject: next.userID, client: client, scopes: scopes, audience: audience, authTime: next.authTime,
            tokenID: accessTokenID, issuedAt: time
        )
        response.refreshToken = newToken
        return response
    }

    /// A disabled or deleted user gets no more tokens (RFC 6749 §10.4).
    func requireActiveUser(_ userID: String) async throws {
        guard let user = try await users.user(id: userID), !user.disabled else {
            throw OAuthError(.invalidGrant, "The user who authorized this grant can no longer sign in")
        }
    }

    func issue(
        subject: String, client: RegisteredClient, scopes: [String], audience: [String], authTime: Int64?,
        tokenID: String = RandomToken.generate(bytes: 16), issuedAt: Int64? = nil
    ) throws -> TokenResponse {
        // RFC 9068 §2.2: `aud` is required.
        guard !audience.isEmpty else { throw OAuthError.serverError(debug: "a grant without an audience reached issue()") }
        let issuedAt = issuedAt ?? now()
        let scope = scopes.isEmpty ? nil : scopes.joined(separator: " ")
        let claims = AccessTokenClaims(
            issuer: issuer.url, subject: subject, audience: audience, clientID: client.clientID, scope: scope,
            issuedAt: issuedAt, expiresAt: issuedAt + accessTokenLifetime, tokenID: tokenID,
            authTime: authTime
        )
        return TokenResponse(
            accessToken: try codec.sign(claims), expiresIn: accessTokenLifetime, scope: scope, tokenID: claims.tokenID,
            expiresAt: claims.expiresAt
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
