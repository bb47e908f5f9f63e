import Foundation
import LatchkeyCore
import Testing

/// RFC 8414 §2 metadata, restricted to what Latchkey implements (OAuth 2.1: code + PKCE S256 only).
struct AuthorizationServerMetadataTests {
    @Test("advertises only the code flow, S256 and the iss response parameter")
    func advertisedCapabilities() throws {
        let metadata = AuthorizationServerMetadata(issuer: try Issuer("https://auth.example.com"), scopesSupported: ["mcp:read"])
        #expect(metadata.responseTypesSupported == ["code"])
        #expect(metadata.responseModesSupported == ["query"])
        #expect(metadata.codeChallengeMethodsSupported == ["S256"])
        #expect(metadata.tokenEndpointAuthMethodsSupported == ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
        #expect(metadata.tokenEndpointAuthSigningAlgValuesSupported == ["ES256", "RS256", "EdDSA"])
        #expect(metadata.grantTypesSupported == [
            "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange",
        ])
        #expect(metadata.authorizationResponseIssParameterSupported)
        #expect(metadata.scopesSupported == ["mcp:read"])
    }

    @Test("endpoints are built under the issuer", arguments: [
        "https://auth.example.com", "https://auth.example.com/t1", "http://127.0.0.1:8080/tenants/a",
    ])
    func endpointsUnderIssuer(url: String) throws {
        let metadata = AuthorizationServerMetadata(issuer: try Issuer(url), scopesSupported: [])
        #expect(metadata.issuer == url)
        #expect(metadata.authorizationEndpoint == url + "/authorize")
        #expect(metadata.tokenEndpoint == url + "/token")
        #expect(metadata.registrationEndpoint == url + "/register")
        #expect(metadata.jwksURI == url + "/jwks.json")
    }

    @Test("encodes RFC 8414 member names and omits absent members")
    func encodesRFCNames() throws {
        let metadata = AuthorizationServerMetadata(issuer: try Issuer("https://auth.example.com/t1"), scopesSupported: ["mcp:read"])
        let data = try JSONEncoder().encode(metadata)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["issuer"] as? String == "https://auth.example.com/t1")
        #expect(object["authorization_endpoint"] as? String == "https://auth.example.com/t1/authorize")
        #expect(object["token_endpoint"] as? String == "https://auth.example.com/t1/token")
        #expect(object["registration_endpoint"] as? String == "https://auth.example.com/t1/register")
        #expect(object["jwks_uri"] as? String == "https://auth.example.com/t1/jwks.json")
        #expect(object["response_types_supported"] as? [String] == ["code"])
        #expect(object["code_challenge_methods_supported"] as? [String] == ["S256"])
        #expect(object["token_endpoint_auth_methods_supported"] as? [String] == ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
        for endpoint in ["token_endpoint", "revocation_endpoint", "introspection_endpoint"] {
            #expect(object[endpoint + "_auth_signing_alg_values_supported"] as? [String] == ["ES256", "RS256", "EdDSA"])
        }
        #expect(object["authorization_response_iss_parameter_supported"] as? Bool == true)
        #expect(object["scopes_supported"] as? [String] == ["mcp:read"])
        #expect(object["revocation_endpoint"] as? String == "https://auth.example.com/t1/revoke")
        #expect(object["introspection_endpoint"] as? String == "https://auth.example.com/t1/introspect")
        #expect(object["introspection_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "private_key_jwt"])
        #expect(object["service_documentation"] == nil)
        #expect(object.keys.allSatisfy { !$0.contains(where: \.isUppercase) })
        #expect(try JSONDecoder().decode(AuthorizationServerMetadata.self, from: data) == metadata)
    }
}
