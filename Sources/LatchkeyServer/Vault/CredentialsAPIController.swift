import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore

/// `/api/v1/user/credentials`: the signed-in user's connections to the upstream providers — status only, never a
/// token — and deposit (`PUT`) and disconnect (`DELETE`). The user is always the session's, never the body's or
/// the path's. Unsafe methods also need the page's CSRF token in `X-CSRF-Token` and a same-origin `Origin`.
struct CredentialsAPIController {
    typealias Context = LatchkeyRequestContext
    let issuer: Issuer
    let providers: [UpstreamProvider]
    let sessions: BrowserSessions
    let vault: Vault
    let clock: UnixClock

    var base: String { issuer.path + "/api/v1/user/credentials" }

    func addRoutes(to router: Router<Context>) {
        router.get(RouterPath(base)) { request, _ in
            let user = try await caller(request)
            let stored = try await vault.store.list(userID: user.id)
            let now = clock.now()
            let list = providers.map { provider in
                CredentialView(provider: provider, stored: stored.first { $0.providerID == provider.id }, now: now, issuer: issuer)
            }
            return try Response.json(["credentials": list])
        }
        router.get(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request)
            let provider = try provider(context)
            return try Response.json(try await view(provider, userID: user.id))
        }
        router.put(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request, unsafe: true)
            let provider = try provider(context)
            let deposit = try CredentialDeposit(try await JSONBody.read(request, maxBytes: 32 * 1024, errorCode: .invalidRequest))
            _ = try await vault.connect(
                userID: user.id, providerID: provider.id,
                tokens: .init(accessToken: deposit.accessToken, refreshToken: deposit.refreshToken, tokenType: deposit.tokenType,
                              scopes: deposit.scopes, expiresIn: deposit.expiresIn),
                account: deposit.account
            )
            return try Response.json(try await view(provider, userID: user.id))
        }
        router.delete(RouterPath(base + "/:provider")) { request, context in
            let user = try await caller(request, unsafe: true)
            let provider = try provider(context)
            _ = try await vault.store.delete(userID: user.id, providerID: provider.id)
            return Response(status: .noContent, headers: [.cacheControl: "no-store"])
        }
    }

    func view(_ provider: UpstreamProvider, userID: String) async throws -> CredentialView {
        CredentialView(
            provider: provider, stored: try await vault.store.credential(userID: userID, providerID: provider.id), now: clock.now(), issuer: issuer
        )
    }

    func provider(_ context: Context) throws -> UpstreamProvider {
        let id = try context.parameters.require("provider")
        guard let provider = providers.first(where: { $0.id == id }) else {
            throw OAuthError(.notFound, "No provider '\(RedirectURIPolicy.excerpt(id))' is configured", httpStatus: 404)
        }
        return provider
    }

    /// The signed-in user. An unsafe method also needs the session's CSRF token in `X-CSRF-Token` and, when the
    /// browser sends one, an `Origin` equal to the issuer's: a cookie alone never changes anything.
    func caller(_ request: Request, unsafe: Bool = false) async throws -> User {
        guard let current = try await sessions.current(request) else {
            throw OAuthError.invalidToken("Sign in to Latchkey to use the credentials API")
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
