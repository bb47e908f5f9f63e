import Hummingbird
import HummingbirdCore
import LatchkeyCore
import LatchkeyCrypto
import Logging
import ServiceLifecycle

/// Builds the Latchkey HTTP application over an opened runtime.
///
/// Configuration keys are listed in `LatchkeyConfiguration.keys` and explained in docs/configuration.md.
public func buildApplication(runtime: LatchkeyRuntime) async throws -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let router = try await buildRouter(runtime: runtime)
    let connections = ConnectionGuard(ServerLimits(configuration.connections, descriptors: DescriptorLimit.current()))
    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: connections.channelHandlers())),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: connections.availableConnections
        ),
        logger: runtime.logger
    )
    app.addServices(KeyRefreshService(
        signingKeys: runtime.signingKeys,
        interval: .seconds(configuration.keyRefreshInterval),
        logger: runtime.logger
    ))
    app.addServices(RevocationSyncService(revocations: runtime.revocations, interval: .seconds(1), logger: runtime.logger))
    app.addServices(MaintenanceService(
        revokedTokens: runtime.revokedTokens, sessions: runtime.sessions, codes: runtime.codes, refreshTokens: runtime.refreshTokens,
        sessionIdleLifetime: Int64(configuration.sessionIdleLifetime),
        codeRetention: Int64(max(configuration.refreshTokenAbsoluteLifetime, configuration.accessTokenLifetime)),
        interval: .seconds(3600), logger: runtime.logger
    ))
    return app
}

/// The routes and middleware, separate from the server so tests drive them in-process.
public func buildRouter(runtime: LatchkeyRuntime) async throws -> Router<LatchkeyRequestContext> {
    let configuration = runtime.configuration
    let issuer = configuration.issuer
    let router = Router(context: LatchkeyRequestContext.self)
    let discovery = try DiscoveryController<LatchkeyRequestContext>(
        issuer: issuer,
        metadata: AuthorizationServerMetadata(issuer: issuer, scopesSupported: configuration.scopes)
    )
    let corsPaths = Set(discovery.paths + ["/jwks.json", "/register", "/token", "/revoke"].map { issuer.path + $0 })
    let registerPrefix = issuer.path + "/register/"
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: CORSPolicyMiddleware { path in corsPaths.contains(path) || path.hasPrefix(registerPrefix) })
    router.add(middleware: ErrorMiddleware())

    discovery.addRoutes(to: router)
    JWKSController(issuer: issuer, signingKeys: runtime.signingKeys, maxAge: configuration.jwksMaxAge).addRoutes(to: router)
    RegistrationController(
        issuer: issuer,
        service: ClientRegistrationService(
            store: runtime.clients,
            consents: runtime.consents,
            policy: configuration.registrationPolicy,
            hasher: runtime.hasher,
            issuer: issuer,
            now: LatchkeyRuntime.now
        ),
        initialAccessToken: configuration.registration.initialAccessToken,
        rateLimiter: RateLimiter(limit: configuration.registration.rateLimitPerMinute),
        maxBodyBytes: configuration.registration.maxBodyBytes
    ).addRoutes(to: router)
    let authenticator = ClientAuthenticator(store: runtime.clients, hasher: runtime.hasher, now: LatchkeyRuntime.now)
    let codec = AccessTokenCodec(signingKeys: runtime.signingKeys, issuer: issuer.url)
    TokenController<LatchkeyRequestContext>(
        issuer: issuer,
        tokens: TokenService(
            authenticator: authenticator,
            codec: codec,
            issuer: issuer,
            clientCredentials: ClientCredentialsGrant(supportedScopes: configuration.scopes, resources: configuration.resources),
            codes: runtime.codes,
            refreshTokens: runtime.refreshTokens,
            revocations: runtime.revocations,
            users: runtime.users,
            hasher: runtime.hasher,
            lifetimes: .init(
                accessToken: Int64(configuration.accessTokenLifetime),
                refreshIdle: Int64(configuration.refreshTokenIdleLifetime),
                refreshAbsolute: Int64(configuration.refreshTokenAbsoluteLifetime),
                refreshGrace: Int64(configuration.refreshTokenGrace)
            ),
            now: LatchkeyRuntime.now
        ),
        status: TokenStatusService(
            authenticator: authenticator, verifier: VerifiedTokenCache(codec: codec), revocations: runtime.revocations,
            refreshTokens: runtime.refreshTokens, hasher: runtime.hasher,
            introspection: IntrospectionPolicy(resources: configuration.resources, trustedClients: configuration.introspectionClients),
            now: LatchkeyRuntime.now
        )
    ).addRoutes(to: router)
    try await addBrowserRoutes(to: router, runtime: runtime)
    for path in ["/token", "/introspect", "/revoke", "/register"] {
        MethodNotAllowed.add(to: router, path: issuer.path + path, allowed: [.post])
    }
    MethodNotAllowed.add(to: router, path: issuer.path + "/authorize", allowed: [.get])
    HealthController(database: runtime.database).addRoutes(to: router)
    return router
}

/// The pages a person sees: login, consent, account; and `/authorize`, which leads to them.
func addBrowserRoutes(to router: Router<LatchkeyRequestContext>, runtime: LatchkeyRuntime) async throws {
    let configuration = runtime.configuration
    let issuer = configuration.issuer
    let pages = try await PageRenderer.load(paths: PagePaths(base: issuer.path))
    let sessions = BrowserSessions(
        store: runtime.sessions, users: runtime.users, hasher: runtime.hasher,
        policy: SessionPolicy(idleLifetime: Int64(configuration.sessionIdleLifetime), absoluteLifetime: Int64(configuration.sessionAbsoluteLifetime)),
        secureCookies: issuer.isHTTPS, now: LatchkeyRuntime.now
    )
    let login = LoginPages(pages: pages, sessions: sessions)
    let authorization = AuthorizationService(
        clients: runtime.clients,
        validator: AuthorizationRequestValidator(supportedScopes: configuration.scopes, resources: configuration.resources),
        codes: runtime.codes, consents: runtime.consents, refreshTokens: runtime.refreshTokens, revocations: runtime.revocations,
        hasher: runtime.hasher,
        issuer: issuer, now: LatchkeyRuntime.now
    )
    AuthorizeController<LatchkeyRequestContext>(service: authorization, sessions: sessions, pages: pages, login: login).addRoutes(to: router)
    LoginController<LatchkeyRequestContext>(
        login: login, sessions: sessions, users: runtime.users, passwords: runtime.passwords, clients: runtime.clients,
        limits: LoginLimits(
            failuresPerAccountAndAddress: configuration.loginFailuresPerAccount,
            failuresPerAddress: configuration.loginFailuresPerAddress,
            maxAccountDelay: configuration.loginAccountDelayMax
        ),
        now: LatchkeyRuntime.now
    ).addRoutes(to: router)
    AccountController<LatchkeyRequestContext>(service: authorization, sessions: sessions, login: login).addRoutes(to: router)
    AssetController<LatchkeyRequestContext>(pages: pages).addRoutes(to: router)
}
