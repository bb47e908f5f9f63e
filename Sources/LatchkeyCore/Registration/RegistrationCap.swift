/// `registration-max-clients`: how many DCR clients the registry holds at most, so open registration cannot grow it
/// without bound between prunes.
public struct RegistrationCap: Sendable, Equatable {
    /// 0: no cap.
    public var maxClients: Int

    public init(maxClients: Int) {
        self.maxClients = maxClients
    }

    /// Whether one more client fits beside `registered`.
    public func admits(registered: Int) -> Bool {
        maxClients == 0 || registered < maxClients
    }

    /// The answer past the cap. RFC 7591 §3.2.2 has no code for a full registry, and its `invalid_client_metadata`
    /// would tell the client to change its metadata, which cannot help. The registry frees room as it prunes, so this
    /// is the server's temporary condition: `503` with RFC 6749's `temporarily_unavailable` and `Retry-After` (RFC
    /// 9110 §15.6.4), an hour, the interval of the prune that frees room.
    public static let full = OAuthError(
        .temporarilyUnavailable, "The server is not accepting new client registrations right now; try again later",
        httpStatus: 503, retryAfter: 3600
    )
}
