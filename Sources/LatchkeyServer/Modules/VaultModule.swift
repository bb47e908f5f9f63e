import Hummingbird
import LatchkeyBroker
import LatchkeyCore
import LatchkeyCrypto

/// The credential vault's routes: the connections pages (connect, callback, disconnect) in a `SessionContext`, and
/// the JSON API for a session or a bearer token.
struct VaultModule: RouteModule {
    let api: CredentialsAPIController
    let pages: ConnectionsController
    let sessions: BrowserSessions
    let renderer: PageRenderer

    init(runtime: LatchkeyRuntime) async throws {
        let configuration = runtime.configuration
        let issuer = configuration.issuer
        // Every provider's secret must be readable now, not at a user's first connect.
        let connections = UpstreamConnections(
            access: try runtime.upstreamAccess(),
            flows: runtime.upstreamFlows, hasher: runtime.hasher, sealer: runtime.upstreamSealer,
            redirectURI: issuer.endpoint("/connections/callback"), clock: runtime.clock, logger: runtime.logger
        )
        let renderer = try await PageRenderer.load(paths: PagePaths(base: issuer.path))
        self.renderer = renderer
        self.sessions = runtime.browserSessions
        self.api = CredentialsAPIController(
            issuer: issuer, providers: configuration.providers, sessions: runtime.browserSessions, connections: connections,
            access: CredentialsAPIAccess(issuer: issuer),
            verifier: VerifiedTokenCache(
                codec: AccessTokenCodec(signingKeys: runtime.signingKeys, issuer: issuer.url), metrics: runtime.metrics.cache("verified_token")
            ),
            revocations: runtime.revocations, users: runtime.users, clients: runtime.clients, events: runtime.events, clock: runtime.clock
        )
        self.pages = ConnectionsController(
            providers: configuration.providers, connections: connections, sessions: runtime.browserSessions,
            login: LoginPages(pages: renderer, sessions: runtime.browserSessions), events: runtime.events, clock: runtime.clock,
            resources: configuration.resources
        )
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        api.addRoutes(to: router)
        pages.addRoutes(to: router.group(context: SessionContext.self).add(middleware: SessionMiddleware(sessions: sessions, pages: renderer)))
    }
}
