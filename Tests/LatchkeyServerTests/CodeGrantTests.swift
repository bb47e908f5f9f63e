import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import Logging

/// The token side of the authorization code flow: PKCE, single use, replay revocation, refresh rotation.
/// Codes are placed in the store as `/authorize` will place them.
struct CodeGrantTests {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let redirect = "http://127.0.0.1:33418/callback"
    static let resource = "https://mcp.example.com/mcp"

    static let settings = ["resources": #"[{"uri":"https://mcp.example.com/mcp","name":"Demo"},{"uri":"https://other.example.com"}]"#, "default-resource": resource]

    struct Setup {
        let clientID: String
        let code: String
    }

    /// Registers a public client and stores a code for it, as consent would.
    static func setup(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, audience: [String] = [resource], expiresIn: Int64 = 60) async throws -> Setup {
        let json = try await client.register(#"{"redirect_uris":["\#(redirect)"],"grant_types":["authorization_code","refresh_token"]}"#).json
        let clientID = try #require(json["client_id"] as? String)
        let code = RandomToken.generate()
        let now = runtime.clock.now()
        if try await runtime.users.user(id: "user-1") == nil {
            try await runtime.users.create(User(id: "user-1", username: "alice", passwordHash: "$2b$04$x", disabled: false, createdAt: now, updatedAt: now))
        }
        try await runtime.codes.create(AuthorizationCodeRecord(
            codeHash: runtime.hasher.hash(code), clientID: clientID, userID: "user-1", redirectURI: redirect,
            codeChallenge: PKCEChallenge.s256(verifier), scopes: ["mcp:tools", "offline_access"], audience: audience,
            authTime: now - 5, createdAt: now, expiresAt: now + expiresIn
        ))
        return Setup(clientID: clientID, code: code)
    }

    static func exchange(_ client: any TestClientProtocol, _ setup: Setup, verifier: String = verifier, redirect: String = redirect, extra: String = "") async throws -> TestResponse {
        let body = "grant_type=authorization_code&code=\(setup.code)&client_id=\(setup.clientID)&code_verifier=\(verifier)&redirect_uri=\(redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)\(extra)"
        return try await OAuthTest.post(client, "/token", body)
    }

    static func refresh(_ client: any TestClientProtocol, _ setup: Setup, _ token: String, extra: String = "") async throws -> TestResponse {
        try await OAuthTest.post(client, "/token", "grant_type=refresh_token&refresh_token=\(token)&client_id=\(setup.clientID)\(extra)")
    }

    @Test("a code with the right verifier yields a user token for the authorized resource and a refresh token")
    func exchange() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let response = try await Self.exchange(client, setup)
            #expect(response.status == .ok)
            #expect(response.json["refresh_token"] is String)
            #expect(response.json["scope"] as? String == "mcp:tools offline_access")
            let claims = OAuthTest.claims(try #require(response.json["access_token"] as? String))
            #expect(claims["sub"] as? String == "user-1")
            #expect(claims["aud"] as? String == Self.resource)
            #expect(claims["client_id"] as? String == setup.clientID)
            #expect(claims["auth_time"] as? Int != nil)
        }
    }

    static let badExchanges: [(verifier: String, redirect: String, extra: String, error: String)] = [
        (String(verifier.reversed()), redirect, "", "invalid_grant"),
        ("short", redirect, "", "invalid_request"),
        (verifier, "http://127.0.0.1:33418/other", "", "invalid_grant"),
        (verifier, redirect, "&resource=https%3A%2F%2Fother.example.com", "invalid_target"),
    ]

    @Test("a wrong verifier, redirect or resource fails, and the code is spent", arguments: badExchanges)
    func badExchange(verifier: String, redirect: String, extra: String, error: String) async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let response = try await Self.exchange(client, setup, verifier: verifier, redirect: redirect, extra: extra)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == error)
            #expect(try await Self.exchange(client, setup).json["error"] as? String == "invalid_grant")
        }
    }

    @Test("an expired code, another client's code and a missing verifier are refused")
    func refusals() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let expired = try await Self.setup(client, runtime, expiresIn: 0)
            #expect(try await Self.exchange(client, expired).json["error"] as? String == "invalid_grant")
            let mine = try await Self.setup(client, runtime)
            let other = try await Self.setup(client, runtime)
            #expect(try await Self.exchange(client, Setup(clientID: other.clientID, code: mine.code)).json["error"] as? String == "invalid_grant")
            let fresh = try await Self.setup(client, runtime)
            let noVerifier = try await OAuthTest.post(client, "/token", "grant_type=authorization_code&code=\(fresh.code)&client_id=\(fresh.clientID)&redirect_uri=x")
            #expect(noVerifier.json["error"] as? String != nil)
            #expect(noVerifier.status == .badRequest)
        }
    }

    @Test("replaying a code revokes the access and refresh tokens issued from it")
    func replay() async throws {
        var app = TestApp(Self.settings)
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let first = try await Self.exchange(client, setup).json
            let access = try #require(first["access_token"] as? String)
            let refresh = try #require(first["refresh_token"] as? String)
            let rs = try await OAuthTest.introspector(runtime)
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(access)", authorization: rs.basic).json["active"] as? Bool == true)

            let replay = try await Self.exchange(client, setup)
            #expect(replay.status == .badRequest)
            #expect(replay.json["error"] as? String == "invalid_grant")
            #expect(try await OAuthTest.post(client, "/introspect", "token=\(access)", authorization: rs.basic).json["active"] as? Bool == false)
            #expect(try await Self.refresh(client, setup, refresh).json["error"] as? String == "invalid_grant")
            // The operator sees the replay, with who and for whom, and nothing secret.
            let event = try #require(logs.entry(event: "oauth.code.replayed"))
            #expect(event.level == .warning)
            #expect(event.metadata["client_id"] == setup.clientID)
            #expect(event.metadata["user_id"] == "user-1")
            #expect(!event.metadata.values.contains { $0.contains(access) || $0.contains(refresh) })
            // Presenting the spent code again still fails, but logs nothing new: one line per code.
            #expect(try await Self.exchange(client, setup).json["error"] as? String == "invalid_grant")
            #expect(logs.events.filter { $0 == "oauth.code.replayed" }.count == 1)
        }
    }

    @Test("refresh rotates; one duplicate in the grace window is forgiven; more reuse kills the family")
    func rotation() async throws {
        var app = TestApp(Self.settings)
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let first = try #require(try await Self.exchange(client, setup).json["refresh_token"] as? String)
            let second = try await Self.refresh(client, setup, first)
            #expect(second.status == .ok)
            let rotated = try #require(second.json["refresh_token"] as? String)
            #expect(rotated != first)
            #expect(try await Self.refresh(client, setup, first).status == .ok, "one concurrent duplicate is forgiven")
            #expect(try await Self.refresh(client, setup, first).json["error"] as? String == "invalid_grant")
            #expect(try await Self.refresh(client, setup, rotated).json["error"] as? String == "invalid_grant", "the family is revoked")
            #expect(logs.events.filter { $0.hasPrefix("oauth.") } == ["oauth.refresh.grace_duplicate", "oauth.refresh.reused"])
        }
    }

    @Test("refresh may narrow scope and resource, never widen them")
    func narrowing() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let token = try #require(try await Self.exchange(client, setup).json["refresh_token"] as? String)
            let wider = try await Self.refresh(client, setup, token, extra: "&scope=mcp%3Atools+mcp%3Aprompts")
            #expect(wider.json["error"] as? String == "invalid_scope")
            let otherResource = try await Self.refresh(client, setup, token, extra: "&resource=https%3A%2F%2Fother.example.com")
            #expect(otherResource.json["error"] as? String == "invalid_target")
            let narrower = try await Self.refresh(client, setup, token, extra: "&scope=mcp%3Atools")
            #expect(narrower.status == .ok)
            #expect(narrower.json["scope"] as? String == "mcp:tools")
            // The refresh token keeps the whole grant (RFC 6749 §6): the next refresh may ask for all of it again.
            let next = try #require(narrower.json["refresh_token"] as? String)
            #expect(try await Self.refresh(client, setup, next).json["scope"] as? String == "mcp:tools offline_access")
        }
    }

    @Test("a disabled user's grants stop: no code exchange, no refresh")
    func disabledUser() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let token = try #require(try await Self.exchange(client, setup).json["refresh_token"] as? String)
            let pending = try await Self.setup(client, runtime)
            #expect(try await runtime.users.setDisabled(username: "alice", true, now: runtime.clock.now()))
            #expect(try await Self.refresh(client, setup, token).json["error"] as? String == "invalid_grant")
            #expect(try await Self.exchange(client, pending).json["error"] as? String == "invalid_grant")
            // Re-enabling does not revive the family the refusal revoked.
            #expect(try await runtime.users.setDisabled(username: "alice", false, now: runtime.clock.now()))
            #expect(try await Self.refresh(client, setup, token).json["error"] as? String == "invalid_grant")
        }
    }

    @Test("revoking a refresh token revokes its family; another client's revocation is refused and changes nothing")
    func revokeRefresh() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let setup = try await Self.setup(client, runtime)
            let token = try #require(try await Self.exchange(client, setup).json["refresh_token"] as? String)
            let stranger = try await Self.setup(client, runtime)
            let foreign = try await OAuthTest.post(client, "/revoke", "token=\(token)&client_id=\(stranger.clientID)")
            #expect(foreign.status == .badRequest && foreign.json["error"] as? String == "unauthorized_client")
            let refreshed = try await Self.refresh(client, setup, token).json
            let next = try #require(refreshed["refresh_token"] as? String)
            let access = try #require(refreshed["access_token"] as? String)
            let rs = try await OAuthTest.introspector(runtime)
            let introspect = { try await OAuthTest.post(client, "/introspect", "token=\(access)", authorization: rs.basic).json["active"] as? Bool }
            #expect(try await introspect() == true)
            #expect(try await OAuthTest.post(client, "/revoke", "token=\(next)&client_id=\(setup.clientID)").status == .ok)
            #expect(try await Self.refresh(client, setup, next).json["error"] as? String == "invalid_grant")
            // The access token the refresh issued is revoked with its family.
            #expect(try await introspect() == false)
        }
    }
}
