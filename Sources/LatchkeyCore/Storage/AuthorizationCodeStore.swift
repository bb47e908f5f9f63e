/// Authorization codes, keyed by the HMAC of the code.
public protocol AuthorizationCodeStore: Sendable {
    func create(_ code: AuthorizationCodeRecord) async throws
    /// Spends the code in one atomic step: of two concurrent redemptions exactly one gets `.redeemed`.
    /// A code issued to another client is `.notFound` and stays untouched, so presenting a stolen code cannot burn it.
    /// A second redemption marks the code replayed and returns what the first one recorded.
    func redeem(codeHash: String, clientID: String, now: Int64) async throws -> CodeRedemption
    /// Records the access token issued from a redeemed code and starts its refresh family, in one transaction —
    /// unless the code was replayed meanwhile: then nothing is recorded and the answer is `false`, so the first
    /// redemption does not hand out tokens the replay could no longer revoke.
    func recordIssued(codeHash: String, accessTokenID: String, expiresAt: Int64, family: RefreshTokenRecord?) async throws -> Bool
    /// Deletes codes that expired before `expiredBefore`.
    /// Deletes up to `limit` codes expired before `expiredBefore`; returns how many.
    func prune(expiredBefore: Int64, limit: Int) async throws -> Int
}

/// Refresh tokens and their families, keyed by the HMAC of the token. Revoking a family also revokes (by jti) the
/// access tokens issued with its refresh tokens.
public protocol RefreshTokenStore: Sendable {
    func create(_ token: RefreshTokenRecord) async throws
    /// Applies `RefreshTokenFamily` atomically. `makeNext` builds the replacement from the presented token (it may
    /// throw, e.g. for a widened scope, and then nothing changes).
    func rotate(
        tokenHash: String, clientID: String, now: Int64, graceSeconds: Int64,
        makeNext: @Sendable (RefreshTokenRecord) throws -> RefreshTokenRecord
    ) async throws -> RefreshRotation
    /// Revokes the family of the token, if it belongs to `clientID`.
    func revokeFamily(tokenHash: String, clientID: String, now: Int64) async throws -> FamilyRevocation
    /// Revokes every family started from a code (a replayed code).
    func revokeFamilies(originCodeHash: String, now: Int64) async throws
    /// Revokes every family of a user (disabled, or password changed).
    func revokeAll(userID: String, now: Int64) async throws
    /// Revokes every family a client holds for a user (the user revoked the client's approval).
    func revokeAll(userID: String, clientID: String, now: Int64) async throws
    /// Every family of `clientID`, for every user (the operator deleted the client).
    func revokeAll(clientID: String, now: Int64) async throws
    /// Deletes up to `limit` rows that no longer decide anything: families past their absolute end, tokens past their
    /// own end, tokens revoked before `revokedBefore`, and tokens rotated before `rotatedBefore` (the reuse window:
    /// such a token presented later is unknown, `invalid_grant`, and no longer revokes its family). Returns how many.
    func prune(now: Int64, revokedBefore: Int64, rotatedBefore: Int64, limit: Int) async throws -> Int
}

/// What revoking a refresh token's family found.
public enum FamilyRevocation: Sendable, Equatable {
    /// The family is revoked now, or already was.
    case revoked
    /// The token belongs to another client: nothing changed.
    case otherClient
    case notFound
}
