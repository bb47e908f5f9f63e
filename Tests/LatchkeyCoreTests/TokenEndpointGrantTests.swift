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

    @Test("every grant needs its registration; a client without it is unauthorized_client", arguments: TokenEndpointGrant.allCases)
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
        for grant in TokenEndpointGrant.allCases {
            #expect(grant.registration?.rawValue == grant.rawValue)
        }
    }
}
