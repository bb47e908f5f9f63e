import LatchkeyCore
import Testing

struct TokenEndpointGrantTests {
    @Test("grant_type picks the grant; missing is invalid_request, unknown is unsupported_grant_type")
    func parse() throws {
        #expect(try TokenEndpointGrant(form: FormParameters(["grant_type": "refresh_token"])) == .refreshToken)
        #expect(throws: OAuthError.invalidRequest("The parameter 'grant_type' is required")) { try TokenEndpointGrant(form: FormParameters()) }
        #expect(throws: OAuthError(.unsupportedGrantType, "grant_type 'password' is not supported")) {
            try TokenEndpointGrant(form: FormParameters(["grant_type": "password"]))
        }
    }

    @Test("every registrable grant needs its registration; a client without it is unauthorized_client", arguments: [
        TokenEndpointGrant.authorizationCode, .refreshToken, .clientCredentials,
    ])
    func registration(grant: TokenEndpointGrant) throws {
        let registration = try #require(grant.registration)
        try grant.requireRegistered(ClientCredentialsGrantTests.client(grants: [registration]))
        let others = GrantType.allCases.filter { $0 != registration }
        #expect(throws: OAuthError(.unauthorizedClient, "This client is not registered for the \(grant.rawValue) grant")) {
            try grant.requireRegistered(ClientCredentialsGrantTests.client(grants: others))
        }
    }

    @Test("the served grants map onto registrable ones by name; the two enums stay apart")
    func separateFromGrantType() {
        for grant in TokenEndpointGrant.allCases where grant != .tokenExchange {
            #expect(grant.registration?.rawValue == grant.rawValue)
        }
    }

    @Test("token exchange is served but registrable by no one: every client is unauthorized_client for it by registration")
    func tokenExchangeNotRegistrable() {
        #expect(TokenEndpointGrant.tokenExchange.registration == nil)
        #expect(GrantType(rawValue: TokenEndpointGrant.tokenExchange.rawValue) == nil)
        #expect(throws: OAuthError.self) {
            try TokenEndpointGrant.tokenExchange.requireRegistered(ClientCredentialsGrantTests.client(grants: GrantType.allCases))
        }
    }
}
