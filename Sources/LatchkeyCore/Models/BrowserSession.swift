/// A logged-in browser, stored server-side under the HMAC of its cookie value so any instance can serve it.
public struct BrowserSession: Sendable, Equatable {
    public var idHash: String
    public var userID: String
    /// When the user last entered their password (OIDC `auth_time`).
    public var authTime: Int64
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// The absolute end, however active the session is.
    public var expiresAt: Int64

    public init(idHash: String, userID: String, authTime: Int64, createdAt: Int64, lastSeenAt: Int64, expiresAt: Int64) {
        self.idHash = idHash
        self.userID = userID
        self.authTime = authTime
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}
