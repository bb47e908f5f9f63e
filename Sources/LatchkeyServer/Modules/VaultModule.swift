import Hummingbird
import LatchkeyCore

/// The credential vault's routes: so far the JSON API for the signed-in user (status, deposit, disconnect).
struct VaultModule: RouteModule {
    let api: CredentialsAPIController

    init(runtime: LatchkeyRuntime) {
        self.api = CredentialsAPIController(
            issuer: runtime.configuration.issuer, providers: runtime.configuration.providers, sessions: runtime.browserSessions,
            vault: runtime.vault, clock: runtime.clock
        )
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        api.addRoutes(to: router)
    }
}
