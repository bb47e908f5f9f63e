/// A user's connection to an upstream provider as the vault stores it: the tokens only sealed (`VaultField`), never
/// in the clear.
public struct StoredUpstreamCredential: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case connected
        /// The upstream refused the refresh token, or a sealed value no longer opens: the user must connect again.
        case needsReauth = "needs_reauth"
    }

    public var userID: String
    public var providerID: String
    /// Sealed; `nil` when only a refresh token was deposited.
    public var accessToken: String?
    /// Sealed.
    public var refreshToken: String?
    public var tokenType: String
    public var scopes: [String]
    /// A label from the upstream ("@octocat"), shown to the user; not a secret.
    public var account: String?
    public var accessTokenExpiresAt: Int64?
    public var connectedAt: Int64
    public var refreshedAt: Int64?
    public var status: Status
    /// An RFC 6749 error code from the upstream, never its free text.
    public var lastError: String?
    /// Bumped by every write of the tokens (connect, deposit, refresh): what a refresh's write-back compares.
    public var version: Int64 = 0

    public init(
        userID: String, providerID: String, accessToken: String?, refreshToken: String?, tokenType: String, scopes: [String],
        account: String?, accessTokenExpiresAt: Int64?, connectedAt: Int64, refreshedAt: Int64? = nil, status: Status = .connected,
        lastError: String? = nil, version: Int64 = 0
    ) {
        self.userID = userID
        self.providerID = providerID
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenType = tokenType
        self.scopes = scopes
        self.account = account
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.connectedAt = connectedAt
        self.refreshedAt = refreshedAt
        self.status = status
        self.lastError = lastError
        self.version = version
    }

    /// Until when the access token is handed out as it is: `margin` seconds before it expires, or halfway through
    /// its life when it was issued for less than twice the margin, so a short-lived token (a provider issuing
    /// one-minute tokens) is reused for half its life instead of refreshed on every use. `nil`: no known expiry.
    public func accessTokenFreshUntil(margin: Int64) -> Int64? {
        guard let expiresAt = accessTokenExpiresAt else { return nil }
        let lifetime = max(0, expiresAt - (refreshedAt ?? connectedAt))
        return expiresAt - min(margin, lifetime / 2)
    }
}

/// Which token a sealed value is, and the associated data that binds it to its row and field.
public enum VaultField: String, Sendable, CaseIterable {
    case accessToken = "access_token"
    case refreshToken = "refresh_token"

    /// `latchkey-vault/v1|<len>:<user>|<len>:<provider>|<field>`: each id length-prefixed, so no choice of ids (one
    /// holding `|` or `:`) can produce another row's associated data.
    public func associatedData(userID: String, providerID: String) -> String {
        "latchkey-vault/v1|\(userID.utf8.count):\(userID)|\(providerID.utf8.count):\(providerID)|\(rawValue)"
    }
}
