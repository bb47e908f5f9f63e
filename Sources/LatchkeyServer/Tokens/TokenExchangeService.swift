import Hummingbird
import LatchkeyBroker
import LatchkeyCore
import LatchkeyCrypto

/// RFC 8693 token exchange at `POST /token`: the subject token is checked as introspection would (signature, `iss`,
/// `exp`, revocation, its client and user still there), `TokenExchangeGrant` decides who may have which provider's
/// token, and `UpstreamAccess` hands out the upstream access token — refreshed first when it is about to expire.
struct TokenExchangeService: Sendable {
    let grant: TokenExchangeGrant
    let verifier: VerifiedTokenCache
    let revocations: RevocationList
    let clients: any ClientStore
    let users: ActiveUsers
    /// `nil` without providers: then no exchange can succeed.
    let access: UpstreamAccess?
    let issuer: Issuer
    let clock: UnixClock

    func exchange(_ form: FormParameters, client: RegisteredClient) async throws -> Response {
        let request = try TokenExchangeGrant.parse(form)
        // Only an MCP server's own confidential client exchanges; a public client is anyone's program.
        // Only an MCP server the operator named (a resource's client_id) exchanges; anyone else learns nothing, not
        // even whether a subject token is valid, and costs no verification.
        guard client.isConfidential, !grant.resources.resources(ownedBy: client.clientID).isEmpty else {
            throw OAuthError(.unauthorizedClient, "This client is not the client_id of any resource; only those MCP servers may exchange tokens")
        }
        let now = clock.now()
        guard let claims = verifier.verify(request.subjectToken, now: now), try await !revocations.check(claims.tokenID),
              try await clients.usableClient(id: claims.clientID) != nil
        else {
            throw OAuthError.invalidRequest("subject_token is invalid, expired or revoked")
        }
        let (provider, userID) = try grant.authorize(caller: client.clientID, subject: claims, providerID: request.providerID)
        guard try await users.isActive(userID) else {
            throw OAuthError.invalidRequest("subject_token's user no longer exists or is disabled")
        }
        guard let access else { throw OAuthError(.invalidTarget, "No upstream providers are configured") }
        do {
            let token = try await access.accessToken(
                userID: userID, provider: provider, forceRefresh: request.forceRefresh, refusedTokenHash: request.refusedTokenHash
            )
            return try Response.json(ExchangedToken(token, now: clock.now()))
        } catch UpstreamAccessError.connectionRequired(let status) {
            var error = OAuthError(
                .connectionRequired,
                status == .notConnected
                    ? "The user has not connected \(provider.name); send them to error_uri"
                    : "The user must connect \(provider.name) again; send them to error_uri"
            )
            let link = ConnectLink(userID: userID, clientID: client.clientID, providerID: provider.id, expiresAt: now + ConnectLink.lifetime)
            error.errorURI = issuer.endpoint("/connections/\(provider.id)/connect") + "?for=" + (try access.vault.seal(link))
            error.details = ["provider": provider.id, "connection_status": status.rawValue]
            throw error
        } catch UpstreamAccessError.unavailable(let wait) {
            throw OAuthError(
                .temporarilyUnavailable, "\(provider.name) did not answer usefully; the connection is unchanged, retry later",
                httpStatus: 503, retryAfter: max(1, wait)
            )
        }
    }
}

/// RFC 8693 §2.2.1: the upstream access token, never a refresh token.
struct ExchangedToken: Encodable, Sendable {
    var accessToken: String
    var issuedTokenType = TokenExchangeGrant.accessTokenType
    var tokenType: String
    var expiresIn: Int64?
    var scope: String?

    init(_ token: UpstreamAccessToken, now: Int64) {
        self.accessToken = token.token
        self.tokenType = token.tokenType
        self.expiresIn = token.expiresAt.map { max(0, $0 - now) }
        self.scope = token.scopes.isEmpty ? nil : token.scopes.joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case issuedTokenType = "issued_token_type"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case scope
    }
}
