/// The rotation rules for a presented refresh token (DESIGN §7), as a pure decision the store applies atomically.
///
/// Reuse of a rotated token revokes the family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2) — except once inside a short
/// grace window, for clients that refresh twice concurrently, and only while the successor it already got has not
/// been used: a duplicate can only be a concurrent twin of the request that made that successor. The store then
/// keeps at most one live branch: the first sibling to be rotated retires the others (see `SQLRefreshTokenStore`).
public enum RefreshTokenFamily {
    public enum Action: Sendable, Equatable {
        /// Issue the next token; `asGrace` marks the old one's single grace use.
        case rotate(asGrace: Bool)
        case revokeFamily
        case reject(RefreshRotation)
    }

    /// - Parameter successorUsed: whether a token issued from this one has itself been rotated.
    public static func decide(
        _ token: RefreshTokenRecord, clientID: String, now: Int64, graceSeconds: Int64, successorUsed: Bool = false
    ) -> Action {
        guard token.revokedAt == nil else { return .reject(.revoked) }
        // RFC 6749 §6: the token is bound to the client it was issued to.
        guard token.clientID == clientID else { return .reject(.wrongClient) }
        guard now < token.familyExpiresAt, now < token.expiresAt else { return .reject(.expired) }
        guard let rotatedAt = token.rotatedAt else { return .rotate(asGrace: false) }
        if now - rotatedAt < graceSeconds, !token.graceUsed, !successorUsed { return .rotate(asGrace: true) }
        return .revokeFamily
    }
}
