/// What the user (and the API) sees of a connection: a status and labels, never a token.
public enum CredentialStatus: String, Sendable, Equatable {
    case connected
    /// The access token expired, a refresh token is held: the next use refreshes it.
    case expired
    case needsReauth = "needs_reauth"
    case notConnected = "not_connected"

    public init(_ credential: StoredUpstreamCredential?, now: Int64) {
        guard let credential else { self = .notConnected; return }
        if credential.status == .needsReauth || credential.refreshToken == nil && credential.accessToken == nil {
            self = .needsReauth
        } else if credential.accessToken == nil || (credential.accessTokenExpiresAt.map { $0 <= now } ?? false) {
            self = credential.refreshToken == nil ? .needsReauth : .expired
        } else {
            self = .connected
        }
    }
}
