import Hummingbird
import LatchkeyCore

/// The pages a person sees — sign-in, consent, account — and `/authorize`, which leads to them. Every page route
/// runs in a `SessionContext` behind `SessionMiddleware`.
struct BrowserModule: RouteModule {
    let sessions: BrowserSessions
    let pages: PageRenderer
    let authorize: AuthorizeController
    let login: LoginController
    let account: AccountController

    init(runtime: LatchkeyRuntime) async throws {
        let configuration = runtime.configuration
        let issuer = configuration.issuer
        let clock = runtime.clock
        let pages = try await PageRenderer.load(paths: PagePaths(base: issuer.path))
        let sessions = runtime.browserSessions
        let loginPages = LoginPages(pages: pages, sessions: sessions)
        let authorization = AuthorizationService(
            clients: runtime.clients,
            validator: AuthorizationRequestValidator(supportedScopes: configuration.scopes, resources: configuration.resources),
            codes: runtime.codes, consents: runtime.consents, refreshTokens: runtime.refreshTokens, revocations: runtime.revocations,
            hasher: runtime.hasher, issuer: issuer, clock: clock
        )
        self.sessions = sessions
        self.pages = pages
        self.authorize = AuthorizeController(
            service: authorization, sessions: sessions, pages: pages, login: loginPages,
            trustedDocumentHosts: configuration.metadataDocuments.trustedHosts, events: runtime.events
        )
        self.login = LoginController(
            login: loginPages, sessions: sessions, users: runtime.users, passwords: runtime.passwords, clients: runtime.clients,
            limits: LoginLimits(
                failuresPerAccountAndAddress: configuration.loginFailuresPerAccount,
                failuresPerAddress: configuration.loginFailuresPerAddress,
                maxAccountDelay: configuration.loginAccountDelayMax
            ),
            events: runtime.events, clock: clock
        )
        self.account = AccountController(
            service: authorization, sessions: sessions, login: loginPages, trustedDocumentHosts: configuration.metadataDocuments.trustedHosts,
            events: runtime.events, auditTrail: runtime.auditTrail
        )
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        let pageRoutes = router.group(context: SessionContext.self).add(middleware: SessionMiddleware(sessions: sessions, pages: pages))
        authorize.addRoutes(to: pageRoutes)
        login.addRoutes(to: pageRoutes)
        account.addRoutes(to: pageRoutes)
        AssetController(pages: pages).addRoutes(to: router)
        MethodNotAllowed.add(to: router, path: pages.paths.authorize, allowed: [.get])
    }
}
