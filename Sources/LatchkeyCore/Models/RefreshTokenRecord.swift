/// A refresh token, stored under its HMAC. Tokens rotated from one another share a family.
public struct RefreshTokenRecord: Sendable, Equatable {
    public var tokenHash: String
    public var familyID: String
    public var clientID: String
    public var userID: String
    public var scopes: [String]
    public var audience: [String]
    public var authTime: Int64
    /// The authorization code the family started from, so a replayed code can revoke it.
    public var originCodeHash: String?
    public var createdAt: Int64
    /// Idle expiry of this token.
    public var expiresAt: Int64
    /// Absolute expiry of the whole family.
    public var familyExpiresAt: Int64
    public var rotatedAt: Int64?
    public var graceUsed: Bool
    public var revokedAt: Int64?
    /// The token this one was rotated from (nil for a family's first token).
    public var parentHash: String?
    /// The access token issued together with this refresh token (its jti and exp), revoked with the family.
    public var accessTokenID: String?
    public var accessTokenExpiresAt: Int64?

    public init(
        tokenHash: String, familyID: String, clientID: String, userID: String, scopes: [String], audience: [String],
        authTime: Int64, originCodeHash: String?, createdAt: Int64, expiresAt: Int64, familyExpiresAt: Int64,
        rotatedAt: Int64? = nil, graceUsed: Bool = false, revokedAt: Int64? = nil,
        accessTokenID: String? = nil, accessTokenExpiresAt: Int64? = nil, parentHash: String? = nil
    ) {
        self.parentHash = parentHash
        self.tokenHash = tokenHash
        self.familyID = familyID
        self.clientID = clientID
        self.userID = userID
        self.scopes = scopes
        self.audience = audience
        self.authTime = authTime
        self.originCodeHash = originCodeHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.familyExpiresAt = familyExpiresAt
        self.rotatedAt = rotatedAt
        self.graceUsed = graceUsed
        self.revokedAt = revokedAt
        self.accessTokenID = accessTokenID
        self.accessTokenExpiresAt = accessTokenExpiresAt
    }
}

/// What presenting a refresh token led to.
public enum RefreshRotation: Sendable, Equatable {
    /// The token was current (or a duplicate inside the grace window): `next` replaces it.
    case rotated(previous: RefreshTokenRecord, next: RefreshTokenRecord)
    /// A rotated token came back outside the grace window (or twice inside it): the family is now revoked.
    case reuseDetected
    case revoked
    case expired
    case wrongClient
    case notFound
}
