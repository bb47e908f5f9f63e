import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyBroker
import LatchkeyCore

/// `/api/v1/user/credentials`: the user's connections to the upstream providers — status only, never a token — and
/// deposit (`PUT`) and disconnect (`DELETE`). The caller is a browser session (unsafe methods then also need the
/// page's CSRF token in `X-CSRF-Token` and a same-origin `Origin`) or a bearer token (`CredentialsAPIAccess`). The
/// user is always the session's or the token's, never the body's or the path's.
struct CredentialsAPIController {
    typealias Context = LatchkeyRequestContext
    let issuer: Issuer
    let providers: [UpstreamProvider]
    let sessions: BrowserSessions
    let connections: UpstreamConnections
    let access: CredentialsAPIAccess
    let verifier: VerifiedTokenCache
    let revocations: RevocationList
    let users: any UserStore
    let clients: any ClientStore
    let events: SecurityLog
    let clock: UnixClock
    /// Deposits and disconnects per user and minute: each disconnect calls the upstream with Latchkey's credentials.
    let changes = RateLimiter(limit: 30, windowSeconds: 60)

    var vault: Vault { connections.vault }
    var base: String { issuer.path + CredentialsAPIAccess.path }

    func addRoutes(to router: Router<Context>) {
        router.get(RouterPath(base)) { request, _ in
            let user = try await caller(request)
            let stored = try await vault.connections(of: user.id)
            let now = clock.now()
            let list = providers.map { provider in
                CredentialView(provider: provider, stored: stored.first { $0.providerID == provider.id }, now: now, issuer: issuer)
            }
            return try await withCSRF(Response.json(["credentials": list]), request)
        }
        router.get(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request)
            let provider = try provider(context)
            return try await withCSRF(Response.json(try await view(provider, userID: user.id)), request)
        }
        router.put(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request, unsafe: true)
            let provider = try provider(context)
            try limit(user)
            let deposit = try CredentialDeposit(try await JSONBody.read(request, maxBytes: 32 * 1024, errorCode: .invalidRequest))
            defer { connections.access.evict(userID: user.id, providerID: provider.id) }
            _ = try await vault.connect(
                userID: user.id, providerID: provider.id,
                tokens: .init(accessToken: deposit.accessToken, refreshToken: deposit.refreshToken, tokenType: deposit.tokenType,
                              scopes: deposit.scopes, expiresIn: deposit.expiresIn),
                account: deposit.account
            )
            events.record(.upstreamConnected(userID: user.id, providerID: provider.id))
            return try Response.json(try await view(provider, userID: user.id))
        }
        router.delete(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request, unsafe: true)
            let provider = try provider(context)
            try limit(user)
            let outcome = try await connections.disconnect(userID: user.id, provider: provider)
            ConnectionsController.record(outcome, userID: user.id, providerID: provider.id, events: events)
            return Response(status: .noContent, headers: [.cacheControl: "no-store"])
        }
    }

    func view(_ provider: UpstreamProvider, userID: String) async throws -> CredentialView {
        CredentialView(
            provider: provider, stored: try await vault.credential(for: userID, providerID: provider.id)?.stored, now: clock.now(), issuer: issuer
        )
    }

    func provider(_ context: Context) throws -> UpstreamProvider {
        let id = try context.parameters.require("provider")
        guard let provider = providers.first(where: { $0.id == id }) else {
            throw OAuthError(.notFound, "No provider '\(RedirectURIPolicy.excerpt(id))' is configured", httpStatus: 404)
        }
        return provider
    }

    /// The caller's user. With an `Authorization` header, the bearer token decides alone (it is not an ambient
    /// credential, so no CSRF check); otherwise the browser session, where an unsafe method also needs the session's
    /// CSRF token in `X-CSRF-Token` and, when the browser sends one, an `Origin` equal to the issuer's: a cookie alone
    /// never changes anything.
    func caller(_ request: Request, unsafe: Bool = false) async throws -> User {
        if request.headers[.authorization] != nil {
            return try await bearerUser(request, write: unsafe)
        }
        guard let current = try await sessions.current(request) else {
            throw OAuthError(.invalidToken, "Sign in to Latchkey, or send a bearer token for \(access.resource)", httpStatus: 401)
        }
        if unsafe {
            guard sessions.checkCSRF(request.headers[.xCSRFToken], session: current.session) else {
                throw OAuthError(.accessDenied, "X-CSRF-Token is missing or does not belong to this session", httpStatus: 403)
            }
            if let origin = request.headers[.origin], origin != issuer.origin {
                throw OAuthError(.accessDenied, "Origin \(RedirectURIPolicy.excerpt(origin)) may not change credentials", httpStatus: 403)
            }
        }
        return current.user
    }

    func limit(_ user: User) throws {
        if let wait = changes.check(user.id, now: clock.now()) {
            throw OAuthError(.rateLimited, "Too many changes to your connections; retry later", httpStatus: 429, retryAfter: wait)
        }
    }

    /// A read with a browser session answers the session's CSRF token in `X-CSRF-Token`, so a same-origin front end
    /// can make changes (only same-origin script can read a response: the API sends no CORS headers).
    func withCSRF(_ response: Response, _ request: Request) async throws -> Response {
        guard request.headers[.authorization] == nil, let current = try await sessions.current(request) else { return response }
        var response = response
        response.headers[.xCSRFToken] = sessions.csrfToken(for: current.session)
        return response
    }

    /// RFC 6750: the user of a valid, unrevoked Latchkey access token for this API, who may still sign in.
    func bearerUser(_ request: Request, write: Bool) async throws -> User {
        guard let token = RegistrationController.bearer(request) else {
            throw OAuthError.invalidToken("The Authorization header must be Bearer with an access token")
        }
        guard let claims = verifier.verify(token, now: clock.now()), try await !revocations.check(claims.tokenID) else {
            throw OAuthError.invalidToken("The access token is invalid, expired or revoked")
        }
        let userID = try access.user(of: claims, write: write)
        // A deleted client's tokens die with it, as at introspection.
        guard try await clients.usableClient(id: claims.clientID) != nil else {
            throw OAuthError.invalidToken("The access token's client no longer exists")
        }
        guard let user = try await users.user(id: userID), !user.disabled else {
            throw OAuthError.invalidToken("The access token's user no longer exists or is disabled")
        }
        return user
    }
}

/// One provider's connection as the API shows it. Never a token.
struct CredentialView: Encodable, Sendable {
    var provider: String
    var name: String
    var status: String
    var account: String?
    var scopes: [String]
    var connectedAt: Int64?
    var refreshedAt: Int64?
    var accessTokenExpiresAt: Int64?
    var lastError: String?
    var connectURL: String

    init(provider: UpstreamProvider, stored: StoredUpstreamCredential?, now: Int64, issuer: Issuer) {
        self.provider = provider.id
        self.name = provider.name
        self.status = CredentialStatus(stored, now: now).rawValue
        self.account = stored?.account
        self.scopes = stored?.scopes ?? []
        self.connectedAt = stored?.connectedAt
        self.refreshedAt = stored?.refreshedAt
        self.accessTokenExpiresAt = stored?.accessTokenExpiresAt
        self.lastError = stored?.lastError
        self.connectURL = issuer.endpoint("/connections/\(provider.id)/connect")
    }

    enum CodingKeys: String, CodingKey {
        case provider, name, status, account, scopes
        case connectedAt = "connected_at"
        case refreshedAt = "refreshed_at"
        case accessTokenExpiresAt = "access_token_expires_at"
        case lastError = "last_error"
        case connectURL = "connect_url"
    }

    /// Absent values are `null`, so a client sees every member every time.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(provider, forKey: .provider)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(account, forKey: .account)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(connectedAt, forKey: .connectedAt)
        try container.encode(refreshedAt, forKey: .refreshedAt)
        try container.encode(accessTokenExpiresAt, forKey: .accessTokenExpiresAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(connectURL, forKey: .connectURL)
    }
}

extension HTTPField.Name {
    static let xCSRFToken = HTTPField.Name("X-CSRF-Token")!
}
