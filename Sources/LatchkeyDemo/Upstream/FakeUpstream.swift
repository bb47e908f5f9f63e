import Foundation
public import Hummingbird
import HummingbirdCore
import LatchkeyCore
public import Logging
import NIOCore
import Synchronization

/// A fake upstream OAuth 2.0 authorization server ("Demo Cloud", GitHub-like) for the vault's tests and
/// `latchkey demo`: RFC 8414 metadata, `/authorize` with a consent page and PKCE S256, `/token` with single-use codes
/// and rotating refresh tokens with reuse detection, RFC 7009 `/revoke`, a `/userinfo` naming one account, and a
/// protected API (`GET /api/profile`) for MCP servers holding an access token from Latchkey's vault, and `GET /stats`
/// (`counts`) for tests in another process.
/// Everything it issues is random; its state lives in this instance, behind a mutex.
///
/// `mode` makes it misbehave at run time (redirects, slow or oversized answers, wrong `iss`…), and `requests`
/// records what it received, so tests can check what Latchkey sent and that it sent nothing twice.
/// It is a test double: it keeps everything in memory, has no CSRF protection on its consent form and binds to
/// loopback only.
public final class FakeUpstream: Sendable {
    /// How `/token` and `/revoke` authenticate the client (RFC 6749 §2.3.1; RFC 7591 names).
    public enum ClientAuthentication: String, Sendable, Equatable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case none
    }

    /// Shown on the consent page and in error pages.
    public let name: String
    public let clientID: String
    public let clientSecret: String?
    /// The one account every user "is" at the fake: `/userinfo`'s `login`.
    public let account: String
    /// The redirect URIs `/authorize` accepts, compared exactly; empty accepts any http(s) URI.
    public let redirectURIs: [String]
    /// Seconds, as `expires_in`.
    public let accessTokenLifetime: Int
    public let clientAuthentication: ClientAuthentication

    struct State: Sendable {
        var ledger = UpstreamLedger()
        var mode = Mode()
        var baseURL: String?
        var requests: [RecordedRequest] = []
        var revokedTokens: [String] = []
        var counts = Counts()
    }

    /// What the fake has been asked, counted for `GET /stats` (the recorded requests are bounded; these are not).
    public struct Counts: Sendable, Equatable {
        /// Authenticated `/token` requests with `grant_type=authorization_code`, whatever their answer.
        public var codeGrants = 0
        /// Authenticated `/token` requests with `grant_type=refresh_token`, whatever their answer.
        public var refreshGrants = 0
        /// Requests to the protected API, whatever their answer.
        public var apiCalls = 0
    }

    /// The most recorded requests kept: `latchkey demo` runs the fake for hours, and tests need far fewer.
    static let recordedRequestLimit = 10_000

    let state = Mutex(State())

    /// - Precondition: `clientSecret` is nil exactly when `clientAuthentication` is `.none`.
    public init(
        name: String = "Demo Cloud", clientID: String = "latchkey-demo", clientSecret: String? = "demo-secret",
        account: String = "octocat", redirectURIs: [String] = [], accessTokenLifetime: Int = 3600,
        clientAuthentication: ClientAuthentication = .clientSecretBasic
    ) {
        precondition((clientSecret == nil) == (clientAuthentication == .none), "a client secret goes with client_secret_basic or client_secret_post")
        self.name = name
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.account = account
        self.redirectURIs = redirectURIs
        self.accessTokenLifetime = accessTokenLifetime
        self.clientAuthentication = clientAuthentication
    }

    /// `http://127.0.0.1:PORT` once the server listens (the port it actually bound); also its issuer.
    public var baseURL: String? { state.withLock { $0.baseURL } }

    /// The issuer its answers use: `baseURL`, or `http://127.0.0.1` before the server runs (in-process router tests).
    public var issuer: String { baseURL ?? "http://127.0.0.1" }

    /// The misbehaviour in force; set it at any time.
    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// What the fake has been asked so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// Every request received, in order (the most recent `recordedRequestLimit`).
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests received on `path` (`/token`), in order.
    public func requests(to path: String) -> [RecordedRequest] { requests.filter { $0.path == path } }

    /// Every token an authenticated client presented to `/revoke`, known or not, in order.
    public var revokedTokens: [String] { state.withLock { $0.revokedTokens } }

    /// Every refresh token issued, rotated ones included, in order.
    public var issuedRefreshTokens: [String] { state.withLock { $0.ledger.issuedRefreshTokens } }

    /// Whether `token` is an access token this fake issued, not expired and not revoked.
    public func validAccessToken(_ token: String) -> Bool {
        state.withLock { $0.ledger.isValidAccessToken(token, now: Date()) }
    }

    /// Whether `token` (access or refresh) was revoked, by `/revoke` or by reuse detection.
    public func isRevoked(_ token: String) -> Bool {
        state.withLock { $0.ledger.isRevoked(token) }
    }

    /// The fake as a Hummingbird application on `host:port` (port 0: a free port). `baseURL` is set once it listens.
    ///
    /// - Precondition: `host` is a loopback address: the fake is never reachable from another machine.
    public func buildApplication(host: String = "127.0.0.1", port: Int = 0, logger: Logger) -> some ApplicationProtocol {
        precondition(["127.0.0.1", "::1", "localhost"].contains(host), "the fake upstream binds to loopback only")
        if port != 0 { state.withLock { $0.baseURL = Self.baseURL(host: host, port: port) } }
        return Application(
            router: buildRouter(),
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [weak self] channel in
                guard let port = channel.localAddress?.port else { return }
                self?.state.withLock { $0.baseURL = Self.baseURL(host: host, port: port) }
            },
            logger: logger
        )
    }

    static func baseURL(host: String, port: Int) -> String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// The routes, at the root of the fake.
    func buildRouter() -> Router<FakeUpstreamContext> {
        let router = Router(context: FakeUpstreamContext.self)
        router.add(middleware: RequestRecorder { [weak self] request in
            self?.state.withLock { state in
                if state.requests.count >= Self.recordedRequestLimit { state.requests.removeFirst(Self.recordedRequestLimit / 2) }
                state.requests.append(request)
            }
        })
        router.get("/.well-known/oauth-authorization-server") { [self] _, _ in try await metadata() }
        router.get("/authorize") { [self] request, _ in try await authorize(request) }
        router.post("/authorize") { [self] request, context in try await decide(request, context: context) }
        router.post("/token") { [self] request, context in try await token(request, context: context) }
        router.post("/revoke") { [self] request, context in try await revoke(request, context: context) }
        router.get("/userinfo") { [self] request, _ in try await userinfo(request) }
        router.get(RouterPath(Self.profilePath)) { [self] request, _ in try await profile(request) }
        router.get("/stats") { [self] _, _ in
            let counts = self.counts
            return Self.json([
                "authorization_code_grants": counts.codeGrants, "refresh_token_grants": counts.refreshGrants, "api_calls": counts.apiCalls,
            ], headers: [.cacheControl: "no-store"])
        }
        return router
    }

    /// RFC 8414 §2.
    func metadata() async throws -> Response {
        if let answer = try await misbehave(mode.metadata) { return answer }
        let issuer = self.issuer
        return Self.json([
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "revocation_endpoint": issuer + "/revoke",
            "userinfo_endpoint": issuer + "/userinfo",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [clientAuthentication.rawValue],
            "revocation_endpoint_auth_methods_supported": [clientAuthentication.rawValue],
            "authorization_response_iss_parameter_supported": true,
        ])
    }

    /// The account's profile for a valid access token; RFC 6750 §3.1 challenges otherwise.
    func userinfo(_ request: Request) async throws -> Response {
        if let answer = try await misbehave(mode.userinfo) { return answer }
        guard let header = request.headers[.authorization] else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="\#(name)""#])
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", validAccessToken(String(parts[1])) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="\#(name)", error="invalid_token""#])
        }
        return Self.json(["login": account, "email": "\(account)@example.com", "id": 1], headers: [.cacheControl: "no-store"])
    }
}
