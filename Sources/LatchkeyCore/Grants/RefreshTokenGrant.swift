/// RFC 6749 §6 with rotation (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): every rule of the refresh grant except the
/// rotation table itself, which is `RefreshTokenFamily` (the store applies it atomically).
public enum RefreshTokenGrant {
    /// §5.2; one answer for unknown, expired, revoked, reused and another client's tokens, so none is told apart.
    public static let invalidToken = OAuthError(.invalidGrant, "The refresh token is invalid, expired or revoked")

    /// The one rule for when refresh tokens are handed out at all: to a client registered for the grant. The consent
    /// page says so, an approval records it (`AuthorizationRequest.offlineAccess`), and the code exchange honours it.
    public static func isOffered(to client: RegisteredClient) -> Bool {
        client.metadata.grantTypes.contains(.refreshToken)
    }

    /// What a refresh request asks for, parsed before anything is looked up.
    public struct Request: Sendable, Equatable {
        public var refreshToken: String
        /// Empty: the scopes of the grant (§6: "if omitted is treated as equal to the scope originally granted").
        public var scopes: [String]
        public var resources: [String]

        public init(form: FormParameters) throws {
            self.refreshToken = try form.require("refresh_token")
            self.scopes = try Scope.parse(form["scope"])
            self.resources = form.all("resource")
        }
    }

    /// What the new access token carries: §6 lets the request narrow the scope, RFC 8707 §2.2 the audience; neither
    /// may widen (`invalid_scope`, `invalid_target`). The refresh token itself keeps the original grant.
    public static func narrowed(_ token: RefreshTokenRecord, by request: Request) throws -> (scopes: [String], audience: [String]) {
        let scopes = request.scopes.isEmpty ? token.scopes : try Scope.require(request.scopes, within: token.scopes)
        return (scopes, try AuthorizationCodeGrant.narrow(token.audience, to: request.resources))
    }

    /// The token that replaces `previous`: same family and grant (§6: "identical to that of the refresh token included
    /// by the client"), a fresh idle lifetime capped by the family's absolute one, and the jti of the access token
    /// issued with it, so a later family revocation reaches that access token too.
    public static func successor(
        of previous: RefreshTokenRecord, tokenHash: String, now: Int64, idleLifetime: Int64,
        accessTokenID: String, accessTokenExpiresAt: Int64
    ) -> RefreshTokenRecord {
        var next = previous
        next.tokenHash = tokenHash
        next.createdAt = now
        next.expiresAt = min(now + idleLifetime, previous.familyExpiresAt)
        next.rotatedAt = nil
        next.graceUsed = false
        next.revokedAt = nil
        next.accessTokenID = accessTokenID
        next.accessTokenExpiresAt = accessTokenExpiresAt
        next.parentHash = previous.tokenHash
        return next
    }

    /// What the endpoint does after a rotation that did not produce a token.
    public enum FailureAction: Sendable, Equatable {
        /// The store revoked the family's access tokens: take them into the in-memory revocation list now.
        case syncRevocations
        case none
    }

    /// The follow-up and the error for each failed rotation.
    public static func failure(_ outcome: RefreshRotation) -> (action: FailureAction, error: OAuthError) {
        switch outcome {
        case .reuseDetected: (.syncRevocations, invalidToken)
        case .revoked, .expired, .wrongClient, .notFound, .rotated: (.none, invalidToken)
        }
    }
}
