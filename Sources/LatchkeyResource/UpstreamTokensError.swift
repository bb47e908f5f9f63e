/// An upstream provider's access token, handed out by Latchkey's token exchange (RFC 8693 §2.2.1).
///
/// `description` never shows the token, so logging the value is safe; use `token` or `authorization` to call the
/// upstream API.
public struct UpstreamAccessToken: Sendable, Equatable, CustomStringConvertible {
    /// The upstream's access token. Send it to the upstream only, never to the MCP client.
    public var token: String
    /// The upstream's token type, normally `Bearer`.
    public var tokenType: String
    /// When it expires (Unix seconds), if Latchkey knew.
    public var expiresAt: Int64?
    /// The upstream scopes the connection holds.
    public var scopes: [String]

    public init(token: String, tokenType: String, expiresAt: Int64?, scopes: [String]) {
        self.token = token
        self.tokenType = tokenType
        self.expiresAt = expiresAt
        self.scopes = scopes
    }

    /// The `Authorization` header value for the upstream API: `Bearer <token>` (the scheme's usual spelling for a
    /// bearer token, whatever case the upstream wrote `token_type` in).
    public var authorization: String {
        (tokenType.lowercased() == "bearer" ? "Bearer" : tokenType) + " " + token
    }

    public var description: String {
        "UpstreamAccessToken(tokenType: \(tokenType), expiresAt: \(expiresAt.map(String.init) ?? "unknown"), scopes: \(scopes.joined(separator: " ")))"
    }
}

/// Why `UpstreamTokens` could not get an upstream access token. No case carries token text; `description` is safe
/// to log and, except for `clientAuthenticationFailed`, to show the user.
public enum UpstreamTokensError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user must act: connect the provider (`status` `not_connected`) or connect it again (`needs_reauth`) at
    /// `connectURL`, Latchkey's connect page already bound to this user. Pass the URL on unchanged (an MCP server
    /// answers with URL elicitation); retry after the user is done.
    case connectionRequired(connectURL: String, provider: String, status: String)
    /// This MCP server may not have that provider's tokens (`invalid_target`), or may not use token exchange at all
    /// (`unauthorized_client`): the operator's configuration, not the user, decides.
    case notPermitted
    /// Latchkey refused the subject token (`invalid_request`): expired, revoked, not a user's, or not issued for this
    /// MCP server. The MCP client needs a new token.
    case invalidSubjectToken
    /// Latchkey refused this MCP server's own credentials (`invalid_client`): an operator problem.
    case clientAuthenticationFailed
    /// Latchkey or the upstream is having trouble (`503 temporarily_unavailable`, or Latchkey could not be reached);
    /// retry after `retryAfter` seconds when given.
    case temporarilyUnavailable(retryAfter: Int?)
    /// Any other answer: its HTTP status (a `200` that is not a valid token answer included).
    case unexpected(status: Int)

    public var description: String {
        switch self {
        case .connectionRequired(let url, let provider, let status):
            "The user must \(status == "needs_reauth" ? "reconnect" : "connect") \(provider) at \(url)"
        case .notPermitted: "This server may not receive that provider's tokens"
        case .invalidSubjectToken: "Latchkey refused the user's access token for the exchange"
        case .clientAuthenticationFailed: "Latchkey refused this server's client credentials"
        case .temporarilyUnavailable(let after): "Upstream tokens are temporarily unavailable" + (after.map { "; retry in \($0) s" } ?? "")
        case .unexpected(let status): "Latchkey's token endpoint answered unexpectedly (HTTP \(status))"
        }
    }
}
