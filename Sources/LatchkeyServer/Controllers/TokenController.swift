import Foundation
import Hummingbird
import LatchkeyCore

/// `POST /token` (RFC 6749 §3.2), `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009).
struct TokenController<Context: RequestContext> {
    let issuer: Issuer
    let tokens: TokenService
    let status: TokenStatusService

    func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(issuer.path + "/token")) { request, _ in
            let form = try await FormBody.read(request, repeatable: ["resource"])
            let response = try await tokens.token(form, authorization: request.headers[.authorization])
            return try Response.json(response)
        }
        router.post(RouterPath(issuer.path + "/introspect")) { request, _ in
            let form = try await FormBody.read(request)
            return try Response.json(try await status.introspect(form, authorization: request.headers[.authorization]))
        }
        router.post(RouterPath(issuer.path + "/revoke")) { request, _ in
            let form = try await FormBody.read(request)
            try await status.revoke(form, authorization: request.headers[.authorization])
            // RFC 7009 §2.2: 200 whether or not the token was known.
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        }
    }
}
