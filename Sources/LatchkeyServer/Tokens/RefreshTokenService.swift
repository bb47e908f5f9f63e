import LatchkeyCore
import LatchkeyCrypto

/// The I/O of the refresh grant (RFC 6749 §6 with rotation): the store rotates the token by `RefreshTokenFamily`'s
/// table, `RefreshTokenGrant` says what the new tokens carry and what a failure sets off.
struct RefreshTokenService: Sendable {
    let refreshTokens: any RefreshTokenStore
    let revocations: RevocationList
    let users: any UserStore
    let hasher: SecretHasher
    let issuer: AccessTokenIssuer
    let lifetimes: Lifetimes
    let events: SecurityLog
    let clock: UnixClock

    struct Lifetimes: Sendable {
        /// A token unused for this long expires.
        var idle: Int64
        /// A family ends this long after its code was exchanged, however often it rotates.
        var absolute: Int64
        /// How long a rotated token may come back once (a client's concurrent twin) without revoking the family.
        var grace: Int64
    }

    func refresh(_ form: FormParameters, client: RegisteredClient, origin: EventOrigin = .unknown) async throws -> TokenResponse {
        // The grant first, as before the request is read: an unregistered client learns nothing about its form.
        try TokenEndpointGrant.refreshToken.requireRegistered(client)
        let request = try RefreshTokenGrant.Request(form: form)
        let time = clock.now()
        let newToken = RandomToken.generate(bytes: 32)
        let newHash = hasher.hash(newToken)
        let idle = lifetimes.idle
        // The access token's jti is chosen before the rotation commits, so the new refresh token records it.
        let accessTokenID = RandomToken.generate(bytes: 16)
        let accessTokenExpiresAt = time + issuer.lifetime
        let outcome = try await refreshTokens.rotate(
            tokenHash: hasher.hash(request.refreshToken), clientID: client.clientID, now: time, graceSeconds: lifetimes.grace
        ) { previous in
            // Narrowing is checked inside the rotation, so a widening request throws and changes nothing.
            _ = try RefreshTokenGrant.narrowed(previous, by: request)
            return RefreshTokenGrant.successor(
                of: previous, tokenHash: newHash, now: time, idleLifetime: idle,
                accessTokenID: accessTokenID, accessTokenExpiresAt: accessTokenExpiresAt
            )
        }
        guard case .rotated(let previous, let next) = outcome else {
            let failure = RefreshTokenGrant.failure(outcome)
            if failure.action == .syncRevocations {
                events.record(.refreshTokenReused(clientID: client.clientID), origin: origin)
                try await revocations.sync(now: time)
            }
            throw failure.error
        }
        if previous.rotatedAt != nil {
            events.record(.refreshGraceDuplicate(clientID: client.clientID, userID: next.userID), origin: origin)
        }
        do {
            try User.requireMayReceiveTokens(try await users.user(id: next.userID))
        } catch {
            _ = try await refreshTokens.revokeFamily(tokenHash: newHash, clientID: client.clientID, now: time)
            try await revocations.sync(now: time)
            throw error
        }
        let granted = try RefreshTokenGrant.narrowed(next, by: request)
        var response = try issuer.issue(
            subject: next.userID, client: client, scopes: granted.scopes, audience: granted.audience, authTime: next.authTime,
            tokenID: accessTokenID, issuedAt: time
        )
        response.refreshToken = newToken
        return response
    }
}
