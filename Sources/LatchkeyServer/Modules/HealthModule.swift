import Hummingbird

/// `/healthz` and `/readyz`.
struct HealthModule: RouteModule {
    let controller: HealthController<LatchkeyRequestContext>

    init(runtime: LatchkeyRuntime) {
        self.controller = HealthController(database: runtime.database)
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        controller.addRoutes(to: router)
    }
}
