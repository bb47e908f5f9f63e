import Hummingbird

/// One area of the server (discovery, registration, the token endpoints, the browser pages, health): it builds its
/// services from the runtime's stores and adds its own routes, so `buildRouter` lists areas, not controllers.
protocol RouteModule: Sendable {
    /// Whether browser-based clients may call `path` cross-origin (CORS, DESIGN §5).
    func isCrossOrigin(_ path: String) -> Bool
    func addRoutes(to router: Router<LatchkeyRequestContext>)
}

extension RouteModule {
    func isCrossOrigin(_ path: String) -> Bool { false }
}
