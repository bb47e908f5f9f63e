/// What an authorization code stands for (RFC 6749 §4.1.2, §10.5), stored under the HMAC of the code.
public struct AuthorizationCodeRecord: Sendable, Equatable {
    public var codeHash: String
    public var clientID: String
    public var userID: String
    public var redirectURI: String
    /// Whether the authorization request named `redirect_uri` (then the token request must repeat it).
    public var redirectURIProvided: Bool
    /// The S256 `code_challenge` (RFC 7636 §4.3).
    public var codeChallenge: String
    public var scopes: [String]
    public var audience: [String]
    public var authTime: Int64
    public var createdAt: Int64
    public var expiresAt: Int64
    public var redeemedAt: Int64?
    /// The access token issued from this code, so a replay can revoke it (RFC 6749 §4.1.2).
    public var accessTokenID: String?
    public var accessTokenExpiresAt: Int64?
    /// Whether the user approved refresh tokens with this code (the consent page said so). The exchange issues one
    /// only if this holds *and* the client still has the refresh grant: a grant added after the approval (RFC 7592)
    /// does not reach a code already issued.
    public var offlineAccess: Bool

    public init(
        codeHash: String, clientID: String, userID: String, redirectURI: String, codeChallenge: String,
        scopes: [String], audience: [String], authTime: Int64, createdAt: Int64, expiresAt: Int64,
        redeemedAt: Int64? = nil, accessTokenID: String? = nil, accessTokenExpiresAt: Int64? = nil, redirectURIProvided: Bool = true,
        offlineAccess: Bool = true
    ) {
        self.redirectURIProvided = redirectURIProvided
        self.offlineAccess = offlineAccess
        self.codeHash = codeHash
        self.clientID = clientID
        self.userID = userID
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
        self.scopes = scopes
        self.audience = audience
        self.authTime = authTime
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.redeemedAt = redeemedAt
        self.accessTokenID = accessTokenID
        self.accessTokenExpiresAt = accessTokenExpiresAt
    }
}

/// The outcome of presenting a code.
public enum CodeRedemption: Sendable, Equatable {
    /// First use: the code is now spent.
    case redeemed(AuthorizationCodeRecord)
    /// Already used: an attack or a broken client; everything issued from it must be revoked.
    case replayed(AuthorizationCodeRecord)
    case expired
    case notFound
}
