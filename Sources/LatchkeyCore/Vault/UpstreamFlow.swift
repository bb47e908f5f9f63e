/// A connect flow between the redirect to an upstream and its callback, kept in the database so any instance (or a
/// restarted one) completes it. Bound to the user and the browser session that started it; `state` is stored only as
/// its HMAC, the PKCE verifier sealed.
public struct UpstreamFlow: Sendable, Equatable {
    public var stateHash: String
    public var userID: String
    /// The starting browser session's `idHash`: only that browser may complete the flow.
    public var sessionHash: String
    public var providerID: String
    /// The PKCE `code_verifier`, sealed with associated data naming this flow's state hash and user.
    public var codeVerifier: String
    public var createdAt: Int64
    public var expiresAt: Int64

    /// Ten minutes to sign in at the upstream and come back.
    public static let lifetime: Int64 = 600
    /// Pending flows kept per user; starting one more forgets the oldest.
    public static let maxPendingPerUser = 5

    public init(
        stateHash: String, userID: String, sessionHash: String, providerID: String, codeVerifier: String, createdAt: Int64,
        expiresAt: Int64
    ) {
        self.stateHash = stateHash
        self.userID = userID
        self.sessionHash = sessionHash
        self.providerID = providerID
        self.codeVerifier = codeVerifier
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// Whether the callback in `session` (of `userID`) at `now` may complete this flow.
    public func admits(userID: String, sessionHash: String, now: Int64) -> Bool {
        now < expiresAt && self.userID == userID && self.sessionHash == sessionHash
    }
}
