import Hummingbird
import LatchkeyCore

/// RFC 8414 metadata (and its OpenID alias) and the JWKS: what a client or resource server reads first.
struct DiscoveryModule: RouteModule {
    let discovery: DiscoveryController<LatchkeyRequestContext>
    let jwks: JWKSController<LatchkeyRequestContext>
    let paths: Set<String>

    init(runtime: LatchkeyRuntime) throws {
        let configuration = runtime.configuration
        let issuer = configuration.issuer
        self.discovery = try DiscoveryController(
            issuer: issuer, metadata: AuthorizationServerMetadata(
                issuer: issuer, scopesSupported: configuration.scopes,
                clientIDMetadataDocumentSupported: configuration.metadataDocuments.enabled
            )
        )
        self.jwks = JWKSController(issuer: issuer, signingKeys: runtime.signingKeys, maxAge: configuration.jwksMaxAge)
        self.paths = Set(discovery.paths + [jwks.path])
    }

    func isCrossOrigin(_ path: String) -> Bool { paths.contains(path) }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        discovery.addRoutes(to: router)
        jwks.addRoutes(to: router)
    }
}
