import Hummingbird
import LatchkeyCore

/// `POST /token` (RFC 6749 §3.2), `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), each behind client
/// authentication.
struct TokenController {
    let issuer: Issuer
    let tokens: TokenEndpoint
    let status: TokenStatusService
    let authenticator: ClientAuthenticator
    /// A token answered is a client used (idle clients are pruned); errors are thrown, so they never get here.
    let uses: ClientUseRecorder

    var tokenPath: String { issuer.path + "/token" }
    var introspectPath: String { issuer.path + "/introspect" }
    var revokePath: String { issuer.path + "/revoke" }

    func addRoutes(to router: Router<LatchkeyRequestContext>) {
        router.group(context: ClientAuthenticatedContext.self)
            .add(middleware: ClientAuthenticationMiddleware(authenticator: authenticator, repeatable: ["resource"], required: ["grant_type"]))
            .post(RouterPath(tokenPath)) { _, context in
                let (client, form) = try context.authenticated()
                let response = try await tokens.token(form, client: client, origin: EventOrigin(address: context.clientIP, requestID: context.id))
                uses.noteUse(client.clientID)
                return response
            }
        let status = router.group(context: ClientAuthenticatedContext.self)
            .add(middleware: ClientAuthenticationMiddleware(authenticator: authenticator, repeatable: [], required: []))
        status.post(RouterPath(introspectPath)) { _, context in
            let (client, form) = try context.authenticated()
            return try Response.json(try await self.status.introspect(form, caller: client))
        }
        status.post(RouterPath(revokePath)) { _, context in
            let (client, form) = try context.authenticated()
            try await self.status.revoke(form, caller: client)
            // RFC 7009 §2.2: 200 whether or not the token was known.
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        }
    }
}
