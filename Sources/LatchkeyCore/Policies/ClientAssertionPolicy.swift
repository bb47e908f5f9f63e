/// Whether a client assertion's header and claims are acceptable (RFC 7523 §3, OIDC Core §9), before and apart from
/// its signature. Every refusal is `invalid_client` (RFC 7523 §3.2); the description says which rule failed, which
/// tells nothing about which clients exist.
public struct ClientAssertionPolicy: Sendable, Equatable {
    /// The only signature algorithms accepted: never `none`, never a shared-secret (HS*) algorithm, nothing whose key
    /// type could be confused with these (`ClientJWK.algorithm`).
    public static let algorithms = ["ES256", "RS256", "EdDSA"]
    /// An assertion may expire at most this many seconds after the server's now (plus `leeway`): it is a one-off
    /// credential, and its `jti` must be remembered until it expires. The Python MCP SDK signs for 300 s.
    public static let maxLifetime: Int64 = 300
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public static let leeway: Int64 = 30
    public static let maxTokenIDLength = 256

    /// What `aud` may name: the issuer or the token endpoint URL, each with or without a trailing slash (pydantic,
    /// which the Python SDK uses, writes a bare issuer as `https://host/`). The same at `/token`, `/introspect` and
    /// `/revoke`: every client authentication here is for this authorization server.
    public let audiences: Set<String>

    public init(issuer: Issuer) {
        let token = issuer.endpoint("/token")
        self.audiences = [issuer.url, issuer.url + "/", token, token + "/"]
    }

    static func refuse(_ description: String) -> OAuthError {
        OAuthError(.invalidClient, description, httpStatus: 401)
    }

    /// Checks `assertion` at `now`; returns until when its `jti` must be remembered (the last instant it is accepted).
    public func check(_ assertion: ClientAssertion, now: Int64) throws -> Int64 {
        let header = assertion.header
        guard Self.algorithms.contains(header.alg) else {
            throw Self.refuse("client_assertion is signed with '\(RedirectURIPolicy.excerpt(header.alg))'; use ES256, RS256 or EdDSA")
        }
        guard !header.hasCritical else { throw Self.refuse("client_assertion has a crit header; no extension is supported") }
        let claims = assertion.claims
        // §3 items 1 and 2: for client authentication, iss and sub are both the client id.
        guard let subject = claims.subject, !subject.isEmpty, claims.issuer == subject else {
            throw Self.refuse("client_assertion must have iss and sub, both the client id")
        }
        // §3 item 3.
        guard claims.audience.contains(where: audiences.contains) else {
            throw Self.refuse("client_assertion aud must be this server's issuer (\(audiences.min() ?? "")) or its token endpoint")
        }
        // §3 item 4: exp is required; a long-lived assertion is a reusable credential, so it is refused too.
        guard let expiresAt = claims.expiresAt else { throw Self.refuse("client_assertion has no exp") }
        guard expiresAt + Self.leeway > now else { throw Self.refuse("client_assertion has expired") }
        guard expiresAt <= now + Self.maxLifetime + Self.leeway else {
            throw Self.refuse("client_assertion expires more than \(Self.maxLifetime) seconds from now; sign short-lived assertions")
        }
        // §3 items 5 and 6.
        if let notBefore = claims.notBefore, notBefore > now + Self.leeway {
            throw Self.refuse("client_assertion is not valid yet (nbf)")
        }
        if let issuedAt = claims.issuedAt, issuedAt > now + Self.leeway {
            throw Self.refuse("client_assertion was issued in the future (iat)")
        }
        // §3 item 7, made a MUST: the jti is what makes the assertion single use.
        guard let tokenID = claims.tokenID, !tokenID.isEmpty, tokenID.utf8.count <= Self.maxTokenIDLength else {
            throw Self.refuse("client_assertion needs a jti of 1 to \(Self.maxTokenIDLength) bytes")
        }
        return expiresAt + Self.leeway
    }
}
