import LatchkeyCore
import LatchkeyCrypto

/// Introspection (RFC 7662) and revocation (RFC 7009) of access tokens.
struct TokenStatusService: Sendable {
    let authenticator: ClientAuthenticator
    let verifier: VerifiedTokenCache
    let revocations: RevocationList
    let refreshTokens: any RefreshTokenStore
    let hasher: SecretHasher
    let introspection: IntrospectionPolicy
    let now: @Sendable () -> Int64

    /// RFC 7662 §2.1: the caller must be an authenticated resource server — a confidential client that a resource
    /// names, or one the operator listed (`IntrospectionPolicy`). It learns only about tokens for its resources.
    func introspect(_ form: FormParameters, authorization: String?) async throws -> IntrospectionResponse {
        let caller = try await authenticator.authenticate(try ClientCredentials(authorization: authorization, form: form))
        guard caller.isConfidential else {
            throw OAuthError(.invalidClient, "Only confidential clients may introspect tokens", httpStatus: 401)
        }
        if introspection.reach(of: caller.clientID) == .none {
            throw OAuthError(
                .unauthorizedClient,
                "This client may not introspect tokens: no resource names it as its client_id and it is not in introspection-clients",
                httpStatus: 403
            )
        }
        let token = try form.require("token")
        // §2.2: anything not currently valid is simply inactive, with no detail on why.
        // A deleted client's tokens die with it.
        guard let claims = verifier.verify(token, now: now()), try await !revocations.check(claims.tokenID),
              introspection.mayIntrospect(caller.clientID, audience: claims.audience),
              try await authenticator.store.client(id: claims.clientID) != nil
        else {
            return IntrospectionResponse(active: false)
        }
        return IntrospectionResponse(claims: claims)
    }

    /// RFC 7009 §2: revoking an unknown, malformed or expired token is not an error (§2.2); another client's token is
    /// refused with `unauthorized_client` and left alone (§2.1: "If this validation fails, the request is refused").
    func revoke(_ form: FormParameters, authorization: String?) async throws {
        let client = try await authenticator.authenticate(try ClientCredentials(authorization: authorization, form: form))
        let token = try form.require("token")
        // §2.1: token_type_hint is only a hint; both kinds are looked up whatever it says.
        // A refresh token revokes its whole family (§2.1: "SHOULD also invalidate … the same authorization grant").
        let time = now()
        switch try await refreshTokens.revokeFamily(tokenHash: hasher.hash(token), clientID: client.clientID, now: time) {
        case .revoked:
            // The family's access tokens were revoked in the store; take them into this instance's list now.
            try await revocations.sync(now: time)
            return
        case .otherClient:
            throw Self.notYours
        case .notFound:
            break
        }
        guard let claims = verifier.verify(token, now: time) else { return }
        guard claims.clientID == client.clientID else { throw Self.notYours }
        try await revocations.revoke(tokenID: claims.tokenID, expiresAt: claims.expiresAt, now: time)
    }
}

extension TokenStatusService {
    static let notYours = OAuthError(.unauthorizedClient, "The token was not issued to this client")
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
