import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import NIOCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// `/api/v1/user/credentials` with a browser session: status without tokens, a strict deposit, disconnect, and the
/// CSRF header and Origin on every change.
struct CredentialsAPITests {
    static let settings = BrowserFlowTests.settings.merging([
        "providers": #"[{"id":"github","name":"GitHub","authorization_endpoint":"https://github.com/login/oauth/authorize","token_endpoint":"https://github.com/login/oauth/access_token","client_id":"Iv1.abc","token_endpoint_auth_method":"none","scopes":["repo"]}]"#,
    ]) { $1 }

    /// A signed-in browser for `username` and its session's CSRF token (from the account page's forms).
    static func signedIn(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, _ username: String) async throws -> (TestBrowser, String) {
        try await BrowserFlowTests.createUser(runtime, username)
        let browser = TestBrowser(client)
        let login = try await browser.get("/login?return_to=%2Faccount")
        #expect(try await browser.login(login, username: username).status == .seeOther)
        let account = try await browser.get("/account")
        return (browser, try #require(TestBrowser.field("csrf_token", in: account.text)))
    }

    static func put(_ browser: TestBrowser, _ body: String, csrf: String?, origin: String? = "http://127.0.0.1:8080") async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        if let origin { headers[.origin] = origin }
        return try await browser.send("/api/v1/user/credentials/github", method: .put, body: body, contentType: "application/json", headers: headers)
    }

    @Test("status, deposit, disconnect for the session's user; never a token in an answer")
    func journey() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            #expect(try await client.execute(uri: "/api/v1/user/credentials", method: .get).status == .unauthorized)
            let (alice, csrf) = try await Self.signedIn(client, runtime, "alice")
            let empty = try await alice.get("/api/v1/user/credentials")
            #expect(empty.status == .ok)
            #expect(empty.headers[HTTPField.Name("X-CSRF-Token")!] == csrf)  // for a same-origin front end
            let list = try #require(empty.json["credentials"] as? [[String: Any]])
            #expect(list.count == 1 && list[0]["status"] as? String == "not_connected" && list[0]["connect_url"] as? String == "http://127.0.0.1:8080/connections/github/connect")

            let deposited = try await Self.put(alice, #"{"refresh_token":"ghr_secret","access_token":"gho_secret","expires_in":"3600","scope":"repo","account":"@alice"}"#, csrf: csrf)
            #expect(deposited.status == .ok)
            #expect(deposited.json["status"] as? String == "connected" && deposited.json["account"] as? String == "@alice")
            #expect(!deposited.text.contains("secret"))
            let one = try await alice.get("/api/v1/user/credentials/github")
            #expect(one.json["status"] as? String == "connected" && !one.text.contains("secret"))
            #expect(try await alice.get("/api/v1/user/credentials/gitlab").status == .notFound)

            // Another user sees nothing of alice's.
            let (bob, _) = try await Self.signedIn(client, runtime, "bob")
            #expect(try await bob.get("/api/v1/user/credentials/github").json["status"] as? String == "not_connected")

            let delete: (String?) async throws -> TestResponse = { token in
                var headers: HTTPFields = [.origin: "http://127.0.0.1:8080"]
                if let token { headers[HTTPField.Name("X-CSRF-Token")!] = token }
                return try await alice.send("/api/v1/user/credentials/github", method: .delete, body: nil, headers: headers)
            }
            #expect(try await delete(nil).status == .forbidden)
            #expect(try await delete(csrf).status == .noContent)
            #expect(try await delete(csrf).status == .noContent, "idempotent")
            #expect(try await alice.get("/api/v1/user/credentials/github").json["status"] as? String == "not_connected")
        }
    }

    @Test("a change needs the session's CSRF header and a same-origin Origin; a bad deposit names the field and stores nothing")
    func refusals() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let (alice, csrf) = try await Self.signedIn(client, runtime, "alice")
            let good = #"{"refresh_token":"r1"}"#
            #expect(try await Self.put(alice, good, csrf: nil).status == .forbidden)
            #expect(try await Self.put(alice, good, csrf: "forged").status == .forbidden)
            #expect(try await Self.put(alice, good, csrf: csrf, origin: "https://evil.example").status == .forbidden)
            for (body, field) in [(#"{"refresh_token":"r","extra":1}"#, "extra"), (#"{"refresh_token":7}"#, "refresh_token"), (#"{"refresh_token":"r","access_token":"a","expires_in":"Invalid Date"}"#, "expires_in")] {
                let response = try await Self.put(alice, body, csrf: csrf)
                #expect(response.status == .badRequest)
                #expect((response.json["error_description"] as? String)?.contains(field) == true)
            }
            #expect(try await runtime.upstreamCredentials.list(userID: "id-alice").isEmpty)
            #expect(try await Self.put(alice, good, csrf: csrf).status == .ok)
        }
    }

    static let api = "http://127.0.0.1:8080/api/v1/user/credentials"

    /// A user token from a real code flow (login, consent, exchange) for `resource` and `scope`.
    static func userToken(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, scope: String, resource: String = api) async throws -> TestResponse {
        let clientID = try #require(try await client.register(
            #"{"redirect_uris":["\#(BrowserFlowTests.redirect)"],"grant_types":["authorization_code","refresh_token"]}"#
        ).json["client_id"] as? String)
        if try await runtime.users.user(id: "id-alice") == nil { try await BrowserFlowTests.createUser(runtime, "alice") }
        let browser = TestBrowser(client)
        let consent = try await BrowserFlowTests.loginToConsent(
            browser, clientID, "&resource=\(AuthorizationResponse.percentEncode(resource))&scope=\(AuthorizationResponse.percentEncode(scope))"
        )
        if consent.status != .ok { return consent }
        let code = try #require(try await browser.decide(consent, "approve").redirectParameters["code"])
        return try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: code))
    }

    static func bearer(_ client: any TestClientProtocol, _ token: String, _ method: HTTPRequest.Method = .get, body: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer " + token]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: "/api/v1/user/credentials/github", method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        )
    }

    @Test("a user's bearer token for the credentials API reads with credentials:read and writes only with credentials:write")
    func bearerTokens() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            // The metadata offers the API's scopes; the consent flow grants them for the API's resource only.
            let metadata = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).json
            #expect((metadata["scopes_supported"] as? [String])?.contains("credentials:write") == true)
            let reader = try await Self.userToken(client, runtime, scope: "credentials:read")
            #expect(reader.json["scope"] as? String == "credentials:read")
            let readToken = try #require(reader.json["access_token"] as? String)
            #expect(OAuthTest.claims(readToken)["aud"] as? String == Self.api)

            #expect(try await Self.bearer(client, readToken).json["status"] as? String == "not_connected")
            let denied = try await Self.bearer(client, readToken, .put, body: #"{"refresh_token":"r1"}"#)
            #expect(denied.status == .forbidden && denied.json["error"] as? String == "insufficient_scope")
            #expect(denied.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
            #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "github") == nil)

            let writerResponse = try await OAuthTest.post(client, "/token", "grant_type=refresh_token&refresh_token=\(try #require(reader.json["refresh_token"] as? String))&client_id=\(try #require(OAuthTest.claims(readToken)["client_id"] as? String))")
            #expect(writerResponse.status == .ok)  // a refresh keeps the audience and the scope
            // Without a CSRF header or a session: the bearer token alone decides.
            let writer = try #require(try await Self.userToken(client, runtime, scope: "credentials:read credentials:write").json["access_token"] as? String)
            let put = try await Self.bearer(client, writer, .put, body: #"{"refresh_token":"r1"}"#)
            #expect(put.status == .ok && put.json["status"] as? String == "expired")  // a refresh token, no access token yet
            #expect(try await Self.bearer(client, writer, .delete).status == .noContent)
            #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "github") == nil)

            // A token of a client the operator deleted dies with it.
            let clientID = try #require(OAuthTest.claims(writer)["client_id"] as? String)
            _ = try await runtime.deleteClient(id: clientID)
            #expect(try await Self.bearer(client, writer).status == .unauthorized)

            // Foreign and malformed tokens.
            #expect(try await Self.bearer(client, "not-a-jwt").status == .unauthorized)
            #expect(try await Self.bearer(client, String(writer.dropLast(2)) + "xx").status == .unauthorized)
        }
    }

    @Test("tokens for an MCP server, client_credentials tokens and mixed scopes do not open the credentials API")
    func foreignTokens() async throws {
        let app = TestApp(Self.settings.merging(["registration-allow-client-credentials": "true"]) { $1 })
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            // An MCP server's token (the default resource) is not for this API.
            let mcp = try await Self.userToken(client, runtime, scope: "mcp:tools", resource: CodeGrantTests.resource)
            let mcpToken = try #require(mcp.json["access_token"] as? String)
            let refused = try await Self.bearer(client, mcpToken)
            #expect(refused.status == .unauthorized && refused.json["error"] as? String == "invalid_token")
            // The API's scopes are not offered for another resource, nor the MCP scopes for the API.
            let browser = TestBrowser(client)
            try await BrowserFlowTests.createUser(runtime, "bob")
            let clientID = try #require(try await client.register(
                #"{"redirect_uris":["\#(BrowserFlowTests.redirect)"],"grant_types":["authorization_code"]}"#
            ).json["client_id"] as? String)
            let wrongScope = try await browser.get(BrowserFlowTests.authorizeURI(
                clientID, "&resource=\(AuthorizationResponse.percentEncode(CodeGrantTests.resource))&scope=credentials:read"
            ))
            #expect(wrongScope.redirectParameters["error"] == "invalid_scope")
            let mixed = try await browser.get(BrowserFlowTests.authorizeURI(
                clientID, "&resource=\(AuthorizationResponse.percentEncode(Self.api))&scope=mcp:tools"
            ))
            #expect(mixed.redirectParameters["error"] == "invalid_scope")
            // Asking for the API without a scope grants none of its scopes: they are never a default.
            let bare = try await Self.userToken(client, runtime, scope: "")
            #expect(bare.status == .ok && (bare.json["scope"] as? String ?? "").isEmpty)
            // A machine client may not get a token for the API at all.
            let worker = try await OAuthTest.registerWorker(client)
            let machine = try await OAuthTest.post(
                client, "/token", "grant_type=client_credentials&resource=\(AuthorizationResponse.percentEncode(Self.api))", authorization: worker.basic
            )
            #expect(machine.status == .badRequest && machine.json["error"] as? String == "invalid_target")
        }
    }

    @Test("a row whose values do not open (an unknown key version) shows needs_reauth on the next read, never a server error")
    func unopenableRow() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let (alice, _) = try await Self.signedIn(client, runtime, "alice")
            try await runtime.upstreamCredentials.put(StoredUpstreamCredential(
                userID: "id-alice", providerID: "github", accessToken: "v1.987654.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                refreshToken: nil, tokenType: "Bearer", scopes: ["repo"], account: "@alice", accessTokenExpiresAt: nil, connectedAt: 1
            ))
            let list = try await alice.get("/api/v1/user/credentials")
            #expect(list.status == .ok)
            #expect((list.json["credentials"] as? [[String: Any]])?.first?["status"] as? String == "needs_reauth")
            #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "github")?.status == .needsReauth)
            #expect(try await alice.get("/connections").text.contains("Needs reconnecting"))
        }
    }
}
