import LatchkeyCore
import LatchkeyCrypto

/// The I/O of the authorization code grant (RFC 6749 §4.1.3 with PKCE): redeem the code in the store, apply what
/// `AuthorizationCodeGrant` decides, issue the tokens and record them.
struct AuthorizationCodeService: Sendable {
    let codes: any AuthorizationCodeStore
    let refreshTokens: any RefreshTokenStore
    let revocations: RevocationList
    let users: any UserStore
    let hasher: SecretHasher
    let issuer: AccessTokenIssuer
    let refreshLifetimes: RefreshTokenService.Lifetimes
    let events: SecurityLog
    /// One `oauth.code.replayed` line per code (a day's window; bounded memory).
    let replayLog = RateLimiter(limit: 1, windowSeconds: 86400)
    let clock: UnixClock

    func exchange(_ form: FormParameters, client: RegisteredClient, origin: EventOrigin = .unknown) async throws -> TokenResponse {
        try TokenEndpointGrant.authorizationCode.requireRegistered(client)
        let code = try form.require("code")
        let codeHash = hasher.hash(code)
        let time = clock.now()
        switch try await codes.redeem(codeHash: codeHash, clientID: client.clientID, now: time) {
        case .notFound, .expired:
            throw AuthorizationCodeGrant.invalidCode
        case .replayed(let record):
            // Logged first, so a failing revocation still leaves a trace; once per code and instance, so presenting
            // one spent code in a loop cannot flood the log (every presentation still revokes).
            if replayLog.check(codeHash, now: time) == nil {
                events.record(.codeReplayed(clientID: client.clientID, userID: record.userID), origin: origin)
            }
            try await revokeIssued(record, now: time)
            throw AuthorizationCodeGrant.replayed
        case .redeemed(let record):
            let audience = try AuthorizationCodeGrant.check(
                record, clientID: client.clientID, redirectURI: form["redirect_uri"], codeVerifier: form["code_verifier"],
                resource: form.all("resource"), computeChallenge: PKCEChallenge.s256, constantTimeEquals: ConstantTime.equals
            )
            try User.requireMayReceiveTokens(try await users.user(id: record.userID))
            // Sign first, then record the jti and start the family in one transaction: a replay racing this request
            // either sees what was recorded (and revokes it) or makes the recording fail (and nothing is handed out).
            var response = try issuer.issue(subject: record.userID, client: client, scopes: record.scopes, audience: audience, authTime: record.authTime)
            var family: RefreshTokenRecord?
            if AuthorizationCodeGrant.issuesRefreshToken(record, to: client) {
                let token = RandomToken.generate(bytes: 32)
                family = RefreshTokenRecord(
                    tokenHash: hasher.hash(token), familyID: RandomToken.generate(bytes: 16), clientID: client.clientID, userID: record.userID,
                    scopes: record.scopes, audience: record.audience, authTime: record.authTime, originCodeHash: codeHash,
                    createdAt: time, expiresAt: time + refreshLifetimes.idle, familyExpiresAt: time + refreshLifetimes.absolute,
                    accessTokenID: response.tokenID, accessTokenExpiresAt: response.expiresAt
                )
                response.refreshToken = token
            }
            guard try await codes.recordIssued(codeHash: codeHash, accessTokenID: response.tokenID, expiresAt: response.expiresAt, family: family) else {
                events.record(.codeReplayed(clientID: client.clientID, userID: record.userID), origin: origin)
                throw AuthorizationCodeGrant.replayed
            }
            return response
        }
    }

    /// Applies `AuthorizationCodeGrant.replayActions`, then takes the store's revocations into this instance's list.
    func revokeIssued(_ record: AuthorizationCodeRecord, now: Int64) async throws {
        for action in AuthorizationCodeGrant.replayActions(record, now: now, accessTokenLifetime: issuer.lifetime) {
            switch action {
            case .revokeAccessToken(let tokenID, let expiresAt):
                try await revocations.revoke(tokenID: tokenID, expiresAt: expiresAt, now: now)
            case .revokeRefreshFamilies(let originCodeHash):
                try await refreshTokens.revokeFamilies(originCodeHash: originCodeHash, now: now)
            }
        }
        try await revocations.sync(now: now)
    }
}
