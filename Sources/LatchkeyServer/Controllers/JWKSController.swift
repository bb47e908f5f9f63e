import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// `GET /jwks.json`: the published signing keys (active, next, and retired keys still verifying tokens).
struct JWKSController<Context: RequestContext> {
    let issuer: Issuer
    let signingKeys: SigningKeys
    let maxAge: Int

    var path: String { issuer.path + "/jwks.json" }

    func addRoutes(to router: Router<Context>) {
        let cacheControl = "public, max-age=\(maxAge)"
        router.get(RouterPath(path)) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/jwk-set+json", .cacheControl: cacheControl],
                body: .init(byteBuffer: ByteBuffer(bytes: signingKeys.jwksDocument))
            )
        }
    }
}
