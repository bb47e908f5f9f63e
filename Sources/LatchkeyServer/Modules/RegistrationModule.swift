import Hummingbird
import LatchkeyCore

/// RFC 7591 registration and RFC 7592 management.
struct RegistrationModule: RouteModule {
    let controller: RegistrationController

    init(runtime: LatchkeyRuntime) {
        let configuration = runtime.configuration
        self.controller = RegistrationController(
            issuer: configuration.issuer,
            service: ClientRegistrationService(
                store: runtime.clients, consents: runtime.consents, policy: configuration.registrationPolicy, hasher: runtime.hasher,
                issuer: configuration.issuer, events: runtime.events, clock: runtime.clock
            ),
            initialAccessToken: InitialAccessToken(required: configuration.registration.initialAccessToken),
            rateLimiter: RateLimiter(limit: configuration.registration.rateLimitPerMinute),
            capacity: RegistrationCapacity(
                cap: RegistrationCap(maxClients: configuration.registration.maxClients), registry: runtime.clientRegistry,
                clock: runtime.clock, logger: runtime.logger
            ),
            maxBodyBytes: configuration.registration.maxBodyBytes,
            clock: runtime.clock
        )
    }

    func isCrossOrigin(_ path: String) -> Bool {
        path == controller.base || path.hasPrefix(controller.base + "/")
    }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        controller.addRoutes(to: router)
        MethodNotAllowed.add(to: router, path: controller.base, allowed: [.post])
    }
}
