/// Who may use `/api/v1/user/credentials` with a bearer token: a Latchkey access token of a *user* (never a client's
/// own `client_credentials` token), issued for the credentials API (its built-in resource), with `credentials:read`
/// to read and `credentials:write` to change. The user is the token's subject, never the body's or the path's.
public struct CredentialsAPIAccess: Sendable, Equatable {
    public static let readScope = "credentials:read"
    public static let writeScope = "credentials:write"
    public static let path = "/api/v1/user/credentials"

    /// `{issuer}/api/v1/user/credentials`: the resource (RFC 8707) tokens for the API name.
    public let resource: String

    public init(issuer: Issuer) {
        self.resource = issuer.endpoint(Self.path)
    }

    /// The built-in resource, offered when the vault has providers.
    public func protectedResource() throws -> ProtectedResource {
        try ProtectedResource(uri: resource, name: "Your Latchkey connections", scopes: [Self.readScope, Self.writeScope])
    }

    /// The user a verified, unrevoked token acts for, or the RFC 6750 §3.1 error: `invalid_token` (401) for a token
    /// not meant for this API or not a user's, `insufficient_scope` (403) for a missing scope.
    public func user(of claims: AccessTokenClaims, write: Bool) throws -> String {
        guard claims.audience.contains(resource) else {
            throw OAuthError.invalidToken("The access token was not issued for the credentials API (resource \(resource))")
        }
        // A user's token records when the user signed in; a client_credentials token is the client's own (sub = client_id).
        guard claims.authTime != nil, claims.subject != claims.clientID else {
            throw OAuthError.invalidToken("The credentials API takes tokens of a user, not a client's own token")
        }
        let needed = write ? Self.writeScope : Self.readScope
        guard (claims.scope ?? "").split(separator: " ").contains(Substring(needed)) else {
            throw OAuthError(.insufficientScope, "The access token lacks the scope \(needed)", httpStatus: 403)
        }
        return claims.subject
    }
}
