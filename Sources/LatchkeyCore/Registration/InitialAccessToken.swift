/// RFC 7591 §3: when the operator requires an initial access token, registration needs it as a bearer token.
public struct InitialAccessToken: Sendable, Equatable {
    /// `nil`: registration is open.
    public let required: String?

    public init(required: String?) {
        self.required = required
    }

    /// RFC 6750 §3.1 `invalid_token` (401) unless `presented` is the required token, compared in constant time.
    public func check(presented: String?, constantTimeEquals: (String, String) -> Bool) throws {
        guard let required else { return }
        guard let presented, constantTimeEquals(presented, required) else {
            throw OAuthError.invalidToken("A valid initial access token is required to register")
        }
    }
}
