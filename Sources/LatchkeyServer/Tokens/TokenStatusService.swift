import LatchkeyCore
import LatchkeyCrypto

/// The I/O of introspection (RFC 7662) and revocation (RFC 7009) of tokens; who may do what is
/// `IntrospectionPolicy` and `RevocationPolicy`.
struct TokenStatusService: Sendable {
    let clients: any ClientStore
    let verifier: VerifiedTokenCache
    let revocations: RevocationList
    let refreshTokens: any RefreshTokenStore
    let hasher: SecretHasher
    let introspection: IntrospectionPolicy
    let clock: UnixClock

    /// RFC 7662 §2.1: the caller must be an authenticated resource server — a confidential client that a resource
    /// names, or one the operator listed. It learns only about tokens for its resources.
    func introspect(_ form: FormParameters, caller: RegisteredClient) async throws -> IntrospectionResponse {
        try introspection.authorize(caller)
        let token = try form.require("token")
        // §2.2: anything not currently valid is simply inactive, with no detail on why.
        // A deleted client's tokens die with it.
        guard let claims = verifier.verify(token, now: clock.now()), try await !revocations.check(claims.tokenID),
              introspection.mayIntrospect(caller.clientID, audience: claims.audience),
              try await clients.usableClient(id: claims.clientID) != nil
        else {
            return IntrospectionResponse(active: false)
        }
        return IntrospectionResponse(claims: claims)
    }

    /// RFC 7009 §2: revoking an unknown, malformed or expired token is not an error (§2.2).
    func revoke(_ form: FormParameters, caller: RegisteredClient) async throws {
        let token = try form.require("token")
        // §2.1: token_type_hint is only a hint; both kinds are looked up whatever it says.
        // A refresh token revokes its whole family (§2.1: "SHOULD also invalidate … the same authorization grant").
        let time = clock.now()
        switch try await refreshTokens.revokeFamily(tokenHash: hasher.hash(token), clientID: caller.clientID, now: time) {
        case .revoked:
            // The family's access tokens were revoked in the store; take them into this instance's list now.
            try await revocations.sync(now: time)
            return
        case .otherClient:
            throw RevocationPolicy.notYours
        case .notFound:
            break
        }
        guard let claims = verifier.verify(token, now: time) else { return }
        try RevocationPolicy.requireOwner(tokenClientID: claims.clientID, caller: caller.clientID)
        try await revocations.revoke(tokenID: claims.tokenID, expiresAt: claims.expiresAt, now: time)
    }
}

/// RFC 7662 §2.2 response.
struct IntrospectionResponse: Encodable, Sendable {
    var active: Bool
    var scope: String?
    var clientID: String?
    var subject: String?
    var audience: [String]?
    var issuer: String?
    var expiresAt: Int64?
    var issuedAt: Int64?
    var tokenID: String?
    var tokenType: String?

    init(active: Bool) {
        self.active = active
    }

    init(claims: AccessTokenClaims) {
        self.active = true
        self.scope = claims.scope
        self.clientID = claims.clientID
        self.subject = claims.subject
        self.audience = claims.audience
        self.issuer = claims.issuer
        self.expiresAt = claims.expiresAt
        self.issuedAt = claims.issuedAt
        self.tokenID = claims.tokenID
        self.tokenType = "Bearer"
    }

    enum CodingKeys: String, CodingKey {
        case active, scope
        case clientID = "client_id"
        case subject = "sub"
        case audience = "aud"
        case issuer = "iss"
        case expiresAt = "exp"
        case issuedAt = "iat"
        case tokenID = "jti"
        case tokenType = "token_type"
    }
}
