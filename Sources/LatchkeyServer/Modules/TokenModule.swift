import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// The token endpoint with its grants, introspection and revocation.
struct TokenModule: RouteModule {
    let controller: TokenController

    init(runtime: LatchkeyRuntime) throws {
        let configuration = runtime.configuration
        let issuer = configuration.issuer
        let clock = runtime.clock
        let codec = AccessTokenCodec(signingKeys: runtime.signingKeys, issuer: issuer.url)
        let accessTokens = AccessTokenIssuer(codec: codec, issuer: issuer, lifetime: Int64(configuration.accessTokenLifetime), clock: clock)
        let refreshLifetimes = RefreshTokenService.Lifetimes(
            idle: Int64(configuration.refreshTokenIdleLifetime),
            absolute: Int64(configuration.refreshTokenAbsoluteLifetime),
            grace: Int64(configuration.refreshTokenGrace)
        )
        self.controller = TokenController(
            issuer: issuer,
            tokens: TokenEndpoint(
                authorizationCode: AuthorizationCodeService(
                    codes: runtime.codes, refreshTokens: runtime.refreshTokens, revocations: runtime.revocations, users: runtime.users,
                    hasher: runtime.hasher, issuer: accessTokens, refreshLifetimes: refreshLifetimes, events: runtime.events, clock: clock
                ),
                refreshToken: RefreshTokenService(
                    refreshTokens: runtime.refreshTokens, revocations: runtime.revocations, users: runtime.users, hasher: runtime.hasher,
                    issuer: accessTokens, lifetimes: refreshLifetimes, events: runtime.events, clock: clock
                ),
                clientCredentials: ClientCredentialsGrant(supportedScopes: configuration.scopes, resources: configuration.resources),
                tokenExchange: TokenExchangeService(
                    grant: TokenExchangeGrant(resources: configuration.resources, providers: configuration.providers),
                    verifier: VerifiedTokenCache(codec: codec, metrics: runtime.metrics.cache("verified_token")), revocations: runtime.revocations, clients: runtime.clients,
                    users: ActiveUsers(users: runtime.users, ttl: .seconds(configuration.clientCacheTTL)),
                    access: configuration.providers.isEmpty ? nil : try runtime.upstreamAccess(), issuer: issuer,
                    clock: clock
                ),
                issuer: accessTokens,
                metrics: TokenMetrics(factory: runtime.metrics.factory)
            ),
            status: TokenStatusService(
                clients: runtime.clients, verifier: VerifiedTokenCache(codec: codec, metrics: runtime.metrics.cache("verified_token")), revocations: runtime.revocations,
                refreshTokens: runtime.refreshTokens, hasher: runtime.hasher,
                introspection: IntrospectionPolicy(resources: configuration.resources, trustedClients: configuration.introspectionClients),
                clock: clock
            ),
            authenticator: ClientAuthenticator(
                store: runtime.clients, hasher: runtime.hasher, assertionPolicy: ClientAssertionPolicy(issuer: issuer),
                assertions: ClientAssertionVerifier(
                    keys: runtime.clientKeys, jtis: runtime.clientAssertionJTIs, hasher: runtime.hasher, events: runtime.events,
                    logger: runtime.logger, clock: clock
                ),
                clock: clock
            ),
            uses: runtime.clientUses
        )
    }

    /// Introspection is server to server and gets no CORS.
    func isCrossOrigin(_ path: String) -> Bool {
        path == controller.tokenPath || path == controller.revokePath
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        controller.addRoutes(to: router)
        for path in [controller.tokenPath, controller.introspectPath, controller.revokePath] {
            MethodNotAllowed.add(to: router, path: path, allowed: [.post])
        }
    }
}
