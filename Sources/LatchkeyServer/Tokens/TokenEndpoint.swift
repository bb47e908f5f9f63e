import Hummingbird
import LatchkeyCore

/// `POST /token` (RFC 6749 §3.2): picks the grant and hands the authenticated client to its service.
///
/// The `switch` is over `TokenEndpointGrant`, so a grant added there does not compile until it is served here.
struct TokenEndpoint: Sendable {
    let authorizationCode: AuthorizationCodeService
    let refreshToken: RefreshTokenService
    let clientCredentials: ClientCredentialsGrant
    let tokenExchange: TokenExchangeService
    let issuer: AccessTokenIssuer
    /// Tokens issued, by grant; a grant that throws counts nothing.
    let metrics: TokenMetrics

    /// `origin`: the request's address and id, for the security events a grant records.
    func token(_ form: FormParameters, client: RegisteredClient, origin: EventOrigin = .unknown) async throws -> Response {
        let grant = try TokenEndpointGrant(form: form)
        let response = try await serve(grant, form, client: client, origin: origin)
        metrics.issued(grant)
        return response
    }

    func serve(_ grant: TokenEndpointGrant, _ form: FormParameters, client: RegisteredClient, origin: EventOrigin) async throws -> Response {
        switch grant {
        case .authorizationCode:
            return try Response.json(try await authorizationCode.exchange(form, client: client, origin: origin))
        case .refreshToken:
            return try Response.json(try await refreshToken.refresh(form, client: client, origin: origin))
        case .clientCredentials:
            let decision = try clientCredentials.decide(client: client, scope: form["scope"], resource: form.all("resource"))
            return try Response.json(
                try issuer.issue(subject: client.clientID, client: client, scopes: decision.scopes, audience: decision.audience, authTime: nil)
            )
        case .tokenExchange:
            return try await tokenExchange.exchange(form, client: client)
        }
    }
}
