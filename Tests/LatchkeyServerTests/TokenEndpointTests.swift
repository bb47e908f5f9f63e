import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// `POST /token` with client_credentials, and introspection and revocation of the tokens it issues.
struct TokenEndpointTests {
    @Test("client_credentials issues an RFC 9068 JWT for the client itself")
    func clientCredentials() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            let response = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&scope=mcp%3Atools", authorization: worker.basic)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.json["token_type"] as? String == "Bearer")
            #expect(response.json["expires_in"] as? Int == 3600)
            #expect(response.json["scope"] as? String == "mcp:tools")
            #expect(response.json["refresh_token"] == nil)
            let claims = OAuthTest.claims(try #require(response.json["access_token"] as? String))
            #expect(claims["sub"] as? String == worker.id)
            #expect(claims["client_id"] as? String == worker.id)
            #expect(claims["iss"] as? String == "http://127.0.0.1:8080")
            #expect(claims["aud"] as? String == "http://127.0.0.1:8080")
            #expect(claims["exp"] as? Int != nil)
            #expect(claims["jti"] as? String != nil)
        }
    }

    @Test("resource indicators pick the audience; unknown resources are invalid_target")
    func resources() async throws {
        let app = TestApp(["resources": #"[{"uri":"https://mcp.example.com/mcp","name":"Demo","scopes":["mcp:tools"]},{"uri":"https://other.example.com"}]"#, "default-resource": "https://mcp.example.com/mcp"])
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            let none = try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: worker.basic)
            #expect(OAuthTest.claims(none.json["access_token"] as? String ?? "").count > 0)
            #expect(OAuthTest.claims(none.json["access_token"] as! String)["aud"] as? String == "https://mcp.example.com/mcp")
            let named = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&resource=HTTPS%3A%2F%2FOTHER.example.com%2F", authorization: worker.basic)
            #expect(OAuthTest.claims(try #require(named.json["access_token"] as? String))["aud"] as? String == "https://other.example.com")
            let unknown = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&resource=https%3A%2F%2Fevil.example", authorization: worker.basic)
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["error"] as? String == "invalid_target")
        }
    }

    static let badRequests: [(body: String, error: String)] = [
        ("grant_type=client_credentials&grant_type=client_credentials", "invalid_request"),
        ("scope=mcp%3Atools", "invalid_request"),
        ("grant_type=password&username=a&password=b", "unsupported_grant_type"),
        ("grant_type=client_credentials&scope=mcp%3Aprompts", "invalid_scope"),
        ("grant_type=client_credentials&scope=%ZZ", "invalid_request"),
    ]

    @Test("malformed and unsupported requests get RFC 6749 §5.2 errors", arguments: badRequests)
    func badRequest(body: String, error: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            let response = try await OAuthTest.post(client, "/token", body, authorization: worker.basic)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == error)
            #expect(response.headers[.cacheControl] == "no-store")
        }
    }

    @Test("form bodies that are not UTF-8 are refused, not repaired")
    func invalidUTF8() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            var body = ByteBuffer(string: "grant_type=client_credentials&scope=mcp")
            body.writeBytes([0xC3, 0x28])
            let response = try await client.execute(uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .authorization: worker.basic], body: body)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == "invalid_request")
        }
    }

    @Test("only form bodies are accepted")
    func formOnly() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            let response = try await OAuthTest.post(client, "/token", #"{"grant_type":"client_credentials"}"#, authorization: worker.basic, contentType: "application/json")
            #expect(response.status == .unsupportedMediaType)
            #expect(response.json["error"] as? String == "invalid_request")
        }
    }

    @Test("client authentication failures are 401 invalid_client, with a Basic challenge", arguments: ["wrong-secret", "unknown", "post-instead-of-basic", "no-credentials"])
    func invalidClient(kind: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let worker = try await OAuthTest.registerWorker(client)
            let response: TestResponse = switch kind {
            case "wrong-secret":
                try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: OAuthTest.Client(id: worker.id, secret: "nope").basic)
            case "unknown":
                try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: OAuthTest.Client(id: "ghost", secret: worker.secret).basic)
            case "post-instead-of-basic":
                try await OAuthTest.post(client, "/token", "grant_type=client_credentials&client_id=\(worker.id)&client_secret=\(worker.secret)")
            default:
                try await OAuthTest.post(client, "/token", "grant_type=client_credentials")
            }
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "invalid_client")
            #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
        }
    }

    @Test("a client not registered for client_credentials is unauthorized_client")
    func unauthorizedClient() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let webApp = try await OAuthTest.registerWorker(client, grants: #"["authorization_code"]"#)
            let response = try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: webApp.basic)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == "unauthorized_client")
        }
    }

    @Test("introspection reports active tokens to confidential clients, and inactive after revocation")
    func introspectAndRevoke() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let worker = try await OAuthTest.registerWorker(client)
            let resourceServer = try await OAuthTest.introspector(runtime, auth: "client_secret_post")
            let token = try #require(try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: worker.basic).json["access_token"] as? String)
            let introspect = { (token: String) in
                try await OAuthTest.post(client, "/introspect", "token=\(token)&client_id=\(resourceServer.id)&client_secret=\(resourceServer.secret)").json
            }
            let active = try await introspect(token)
            #expect(active["active"] as? Bool == true)
            #expect(active["client_id"] as? String == worker.id)
            #expect(active["token_type"] as? String == "Bearer")
            #expect(active["scope"] as? String == "mcp:tools mcp:resources")
            #expect(try await introspect("not-a-token")["active"] as? Bool == false)
            #expect(try await introspect("not-a-token").count == 1, "an inactive answer carries nothing else")

            // A client must use its registered method (this one registered client_secret_post, not Basic).
            #expect(try await OAuthTest.post(client, "/revoke", "token=\(token)", authorization: resourceServer.basic).status == .unauthorized)
            // Another client cannot revoke it: refused (RFC 7009 §2.1), and it stays active.
            let foreign = try await OAuthTest.post(client, "/revoke", "token=\(token)&client_id=\(resourceServer.id)&client_secret=\(resourceServer.secret)")
            #expect(foreign.status == .badRequest)
            #expect(foreign.json["error"] as? String == "unauthorized_client")
            #expect(try await introspect(token)["active"] as? Bool == true)
            // Its own client can; unknown tokens are fine too.
            #expect(try await OAuthTest.post(client, "/revoke", "token=\(token)&token_type_hint=access_token", authorization: worker.basic).status == .ok)
            #expect(try await OAuthTest.post(client, "/revoke", "token=unknown", authorization: worker.basic).status == .ok)
            #expect(try await introspect(token)["active"] as? Bool == false)
            // RFC 7009 §2.1: the hint is advisory; an unknown one is ignored.
            #expect(try await OAuthTest.post(client, "/revoke", "token=\(token)&token_type_hint=id_token", authorization: worker.basic).status == .ok)
        }
    }

    @Test("a deleted client's tokens are inactive")
    func deletedClient() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let worker = try await OAuthTest.registerWorker(client)
            let resourceServer = try await OAuthTest.introspector(runtime)
            let token = try #require(try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: worker.basic).json["access_token"] as? String)
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(token)", authorization: resourceServer.basic).json["active"] as? Bool == true)
            #expect(try await runtime.clients.delete(id: worker.id))
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(token)", authorization: resourceServer.basic).json["active"] as? Bool == false)
        }
    }

    @Test("public clients may not introspect")
    func publicIntrospection() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let publicID = try #require(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).json["client_id"] as? String)
            let response = try await OAuthTest.post(client, "/introspect", "token=x&client_id=\(publicID)")
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "invalid_client")
        }
    }

    @Test("CORS on /token and /revoke, not on /introspect")
    func cors() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            for (path, allowed) in [("/token", true), ("/revoke", true), ("/introspect", false)] {
                let preflight = try await client.execute(uri: path, method: .options, headers: [.origin: "https://app.example", .accessControlRequestMethod: "POST"])
                #expect((preflight.headers[.accessControlAllowOrigin] != nil) == allowed, "\(path)")
            }
        }
    }

    @Test("introspection is bound: a resource's client sees only its tokens; unlisted clients are refused; listed ones see all")
    func introspectionBinding() async throws {
        let app = TestApp([
            "resources": #"[{"uri":"https://a.example.com/mcp","name":"A","client_id":"rs-a"},{"uri":"https://b.example.com/mcp","name":"B"}]"#,
            "default-resource": "https://a.example.com/mcp",
        ])
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let worker = try await OAuthTest.registerWorker(client)
            func token(_ resource: String) async throws -> String {
                let response = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&resource=\(AuthorizationResponse.percentEncode(resource))", authorization: worker.basic)
                return try #require(response.json["access_token"] as? String)
            }
            let forA = try await token("https://a.example.com/mcp")
            let forB = try await token("https://b.example.com/mcp")
            let added = try await runtime.addClient(.object(["client_name": .string("A"), "grant_types": .array([.string("client_credentials")])]), clientID: "rs-a")
            let resourceA = OAuthTest.Client(id: added.clientID, secret: try #require(added.clientSecret))
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(forA)", authorization: resourceA.basic).json["active"] as? Bool == true)
            let foreign = try await OAuthTest.post(client, "/introspect", "token=\(forB)", authorization: resourceA.basic)
            #expect(foreign.status == .ok && foreign.json["active"] as? Bool == false && foreign.json.count == 1)
            // A self-registered confidential client is neither a resource's client nor listed: refused outright.
            let stranger = try await OAuthTest.post(client, "/introspect", "token=\(forA)", authorization: worker.basic)
            #expect(stranger.status == .forbidden)
            #expect(stranger.json["error"] as? String == "unauthorized_client")
            // The operator-listed client (introspection-clients) sees both.
            let listed = try await OAuthTest.introspector(runtime)
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(forB)", authorization: listed.basic).json["active"] as? Bool == true)
        }
    }
}
