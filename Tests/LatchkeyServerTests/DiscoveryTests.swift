import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyServer
import LatchkeyTestSupport
import Testing

struct DiscoveryTests {
    @Test("serves RFC 8414 metadata at both well-known names with identical content")
    func metadata() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let oauth = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get)
            let oidc = try await client.execute(uri: "/.well-known/openid-configuration", method: .get)
            #expect(oauth.status == .ok)
            #expect(oauth.headers[.contentType] == "application/json")
            #expect(oauth.text == oidc.text)
            let document = oauth.json
            #expect(document["issuer"] as? String == "http://127.0.0.1:8080")
            #expect(document["authorization_endpoint"] as? String == "http://127.0.0.1:8080/authorize")
            #expect(document["token_endpoint"] as? String == "http://127.0.0.1:8080/token")
            #expect(document["registration_endpoint"] as? String == "http://127.0.0.1:8080/register")
            #expect(document["jwks_uri"] as? String == "http://127.0.0.1:8080/jwks.json")
            #expect(document["response_types_supported"] as? [String] == ["code"])
            #expect(document["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(document["token_endpoint_auth_methods_supported"] as? [String] == ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
            #expect(document["token_endpoint_auth_signing_alg_values_supported"] as? [String] == ["ES256", "RS256", "EdDSA"])
            #expect(document["authorization_response_iss_parameter_supported"] as? Bool == true)
            #expect((document["grant_types_supported"] as? [String])?.contains("authorization_code") == true)
            #expect((document["scopes_supported"] as? [String])?.isEmpty == false)
        }
    }

    @Test("an issuer with a path is discoverable at the RFC 8414 and OpenID locations, byte-identical issuer")
    func pathIssuer() async throws {
        let app = TestApp(["issuer": "http://127.0.0.1:8080/t1"])
        defer { app.removeFiles() }
        try await app.test { client, _ in
            for path in ["/.well-known/oauth-authorization-server/t1", "/.well-known/openid-configuration/t1", "/t1/.well-known/openid-configuration"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.json["issuer"] as? String == "http://127.0.0.1:8080/t1")
                #expect(response.json["registration_endpoint"] as? String == "http://127.0.0.1:8080/t1/register")
            }
            #expect(try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/t1/jwks.json", method: .get).status == .ok)
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#, path: "/t1/register").status == .created)
        }
    }

    @Test("other well-known paths are 404, never a server error", arguments: [
        "/.well-known/foo", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server/extra",
        "/.well-known/", "/.well-known/openid-configuration/../x", "/%2e%2e/%00",
    ])
    func unknownWellKnown(path: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status.code < 500)
            #expect(response.status == .notFound)
        }
    }

    @Test("metadata and JWKS allow CORS, including the mcp-protocol-version header")
    func cors() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            for path in ["/.well-known/oauth-authorization-server", "/jwks.json", "/register"] {
                let preflight = try await client.execute(uri: path, method: .options, headers: [
                    .origin: "https://app.example", .accessControlRequestMethod: "GET",
                    .accessControlRequestHeaders: "mcp-protocol-version",
                ])
                #expect(preflight.status == .noContent, "\(path)")
                #expect(preflight.headers[.accessControlAllowOrigin] == "*")
                #expect(preflight.headers[.accessControlAllowHeaders]?.contains("mcp-protocol-version") == true)
            }
            let get = try await client.execute(uri: "/jwks.json", method: .get, headers: [.origin: "https://app.example"])
            #expect(get.headers[.accessControlAllowOrigin] == "*")
            let health = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://app.example"])
            #expect(health.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("health and readiness")
    func health() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.json["status"] as? String == "ready")
        }
    }
}
