import AsyncHTTPClient
import Foundation
import LatchkeyCrypto
import LatchkeyDemo
import LatchkeyTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// The fake upstream over real HTTP: what Latchkey's vault tests rely on it to do, and a few of its misbehaviours.
struct FakeUpstreamTests {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
        /// The `Location` header's query parameters.
        var redirect: [String: String] {
            let items = headers.first(name: "location").flatMap { URLComponents(string: $0)?.queryItems } ?? []
            return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        }
    }

    static let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-section-4.1"
    static let redirectURI = "http://127.0.0.1:8080/connections/callback"
    static let basic = "Basic " + Data("latchkey-demo:demo-secret".utf8).base64EncodedString()

    /// Runs `body` with a running fake (its base URL) and an HTTP client that never follows redirects.
    static func withUpstream(
        _ upstream: FakeUpstream = FakeUpstream(redirectURIs: [redirectURI]),
        _ body: @escaping (FakeUpstream, String, HTTPClient) async throws -> Void
    ) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await withFakeUpstream(upstream) { upstream in try await body(upstream, try #require(upstream.baseURL), client) }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func send(
        _ client: HTTPClient, _ url: String, method: HTTPMethod = .GET, form: String? = nil, headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
    }

    static func authorizeQuery(verifier: String = verifier) -> String {
        "response_type=code&client_id=latchkey-demo&redirect_uri=\(AuthorizationEncoding.encode(redirectURI))&state=s1&scope=read:user"
            + "&code_challenge=\(PKCEChallenge.s256(verifier))&code_challenge_method=S256"
    }

    /// A code from an approved authorization.
    static func code(_ client: HTTPClient, _ base: String) async throws -> String {
        let answer = try await send(client, "\(base)/authorize?\(authorizeQuery())")
        #expect(answer.status == 302)
        return try #require(answer.redirect["code"])
    }

    static func redeem(_ client: HTTPClient, _ base: String, code: String, verifier: String = verifier) async throws -> Answer {
        try await send(
            client, "\(base)/token",
            form: "grant_type=authorization_code&code=\(code)&redirect_uri=\(AuthorizationEncoding.encode(redirectURI))&code_verifier=\(verifier)",
            headers: [("authorization", basic)]
        )
    }

    static func refresh(_ client: HTTPClient, _ base: String, _ token: String) async throws -> Answer {
        try await send(client, "\(base)/token", form: "grant_type=refresh_token&refresh_token=\(token)", headers: [("authorization", basic)])
    }

    @Test("the metadata names the running server as issuer, with its endpoints")
    func metadata() async throws {
        try await Self.withUpstream { _, base, client in
            let json = try await Self.send(client, "\(base)/.well-known/oauth-authorization-server").json
            #expect(json["issuer"] as? String == base)
            #expect(json["token_endpoint"] as? String == base + "/token")
            #expect(json["revocation_endpoint"] as? String == base + "/revoke")
            #expect(json["userinfo_endpoint"] as? String == base + "/userinfo")
            #expect(json["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(json["authorization_response_iss_parameter_supported"] as? Bool == true)
        }
    }

    @Test("consent, Allow, then the code for tokens with PKCE; a wrong verifier and a replayed code are refused")
    func codeFlow() async throws {
        try await Self.withUpstream { upstream, base, client in
            let page = try await Self.send(client, "\(base)/authorize?\(Self.authorizeQuery())")
            #expect(page.status == 200)
            #expect(page.text.contains("Demo Cloud: allow Latchkey to access account octocat?"))
            // The page's Allow form, as a browser posts it.
            let allow = try await Self.send(client, "\(base)/authorize", form: Self.authorizeQuery() + "&decision=allow")
            #expect(allow.status == 303)
            #expect(allow.redirect["state"] == "s1")
            #expect(allow.redirect["iss"] == base)
            let code = try #require(allow.redirect["code"])

            let wrong = try await Self.redeem(client, base, code: code, verifier: "another-verifier-that-is-long-enough-for-rfc-7636-sec")
            #expect(wrong.status == 400)
            #expect(wrong.json["error"] as? String == "invalid_grant")

            let tokens = try await Self.redeem(client, base, code: code)
            #expect(tokens.status == 200)
            #expect(tokens.headers.first(name: "cache-control") == "no-store")
            #expect(tokens.json["token_type"] as? String == "Bearer")
            #expect(tokens.json["expires_in"] as? Int == 3600)
            #expect(tokens.json["scope"] as? String == "read:user")
            let access = try #require(tokens.json["access_token"] as? String)
            let me = try await Self.send(client, "\(base)/userinfo", headers: [("authorization", "Bearer \(access)")])
            #expect(me.json["login"] as? String == "octocat")

            // RFC 6749 §4.1.2: a replayed code is refused and what it issued is revoked.
            let replay = try await Self.redeem(client, base, code: code)
            #expect(replay.json["error"] as? String == "invalid_grant")
            #expect(!upstream.validAccessToken(access))
            let revoked = try await Self.send(client, "\(base)/userinfo", headers: [("authorization", "Bearer \(access)")])
            #expect(revoked.status == 401)
            #expect(revoked.headers.first(name: "www-authenticate")?.contains(#"error="invalid_token""#) == true)

            let deny = try await Self.send(client, "\(base)/authorize", form: Self.authorizeQuery() + "&decision=deny")
            #expect(deny.redirect["error"] == "access_denied")
            #expect(deny.redirect["code"] == nil)
            // An unregistered redirect URI is a page, never a redirect.
            let foreign = try await Self.send(client, "\(base)/authorize?" + Self.authorizeQuery().replacingOccurrences(of: "8080", with: "9999"))
            #expect(foreign.status == 400)
            #expect(foreign.headers.first(name: "location") == nil)
        }
    }

    @Test("refresh tokens rotate; presenting a rotated one revokes the whole family")
    func refreshRotation() async throws {
        let upstream = FakeUpstream(redirectURIs: [Self.redirectURI])
        upstream.mode.decision = .approve
        try await Self.withUpstream(upstream) { upstream, base, client in
            let first = try await Self.redeem(client, base, code: try await Self.code(client, base)).json
            let oldRefresh = try #require(first["refresh_token"] as? String)
            let second = try await Self.refresh(client, base, oldRefresh).json
            let newRefresh = try #require(second["refresh_token"] as? String)
            let newAccess = try #require(second["access_token"] as? String)
            #expect(newRefresh != oldRefresh)
            #expect(upstream.issuedRefreshTokens == [oldRefresh, newRefresh])
            #expect(upstream.validAccessToken(newAccess))

            let reuse = try await Self.refresh(client, base, oldRefresh)
            #expect(reuse.json["error"] as? String == "invalid_grant")
            #expect(upstream.isRevoked(newRefresh))
            #expect(!upstream.validAccessToken(newAccess))
            #expect(try await Self.refresh(client, base, newRefresh).json["error"] as? String == "invalid_grant")
            #expect(upstream.requests(to: "/token").count == 4)
        }
    }

    @Test("revocation authenticates the client, revokes the grant, and answers 200 for unknown tokens")
    func revocation() async throws {
        let upstream = FakeUpstream(redirectURIs: [Self.redirectURI])
        upstream.mode.decision = .approve
        try await Self.withUpstream(upstream) { upstream, base, client in
            let tokens = try await Self.redeem(client, base, code: try await Self.code(client, base)).json
            let refresh = try #require(tokens["refresh_token"] as? String)
            let access = try #require(tokens["access_token"] as? String)
            let wrongSecret = "Basic " + Data("latchkey-demo:nope".utf8).base64EncodedString()
            let refused = try await Self.send(client, "\(base)/revoke", form: "token=\(refresh)", headers: [("authorization", wrongSecret)])
            #expect(refused.status == 401)
            #expect(refused.json["error"] as? String == "invalid_client")
            #expect(upstream.revokedTokens.isEmpty)

            let revoked = try await Self.send(
                client, "\(base)/revoke", form: "token=\(refresh)&token_type_hint=refresh_token", headers: [("authorization", Self.basic)]
            )
            #expect(revoked.status == 200)
            #expect(upstream.revokedTokens == [refresh])
            #expect(!upstream.validAccessToken(access))
            #expect(try await Self.refresh(client, base, refresh).json["error"] as? String == "invalid_grant")
            let unknown = try await Self.send(client, "\(base)/revoke", form: "token=never-issued", headers: [("authorization", Self.basic)])
            #expect(unknown.status == 200)
        }
    }

    @Test("client_secret_basic decodes the form-encoded id and secret (RFC 6749 §2.3.1)")
    func basicIsFormEncoded() async throws {
        let upstream = FakeUpstream(clientID: "demo client", clientSecret: "s:e%cret+", redirectURIs: [Self.redirectURI])
        try await Self.withUpstream(upstream) { _, base, client in
            let encoded = "Basic " + Data("demo+client:s%3Ae%25cret%2B".utf8).base64EncodedString()
            let answer = try await Self.send(client, "\(base)/revoke", form: "token=x", headers: [("authorization", encoded)])
            #expect(answer.status == 200)
            let raw = "Basic " + Data("demo client:s:e%cret+".utf8).base64EncodedString()
            #expect(try await Self.send(client, "\(base)/revoke", form: "token=x", headers: [("authorization", raw)]).status == 401)
        }
    }

    @Test("/api/profile answers a valid access token; an unknown, expired or revoked one gets 401 invalid_token; calls are counted, also at /stats")
    func profileAPI() async throws {
        let upstream = FakeUpstream(redirectURIs: [Self.redirectURI])
        upstream.mode.decision = .approve
        try await Self.withUpstream(upstream) { upstream, base, client in
            let url = base + FakeUpstream.profilePath
            let tokens = try await Self.redeem(client, base, code: try await Self.code(client, base)).json
            let access = try #require(tokens["access_token"] as? String)
            let ok = try await Self.send(client, url, headers: [("authorization", "Bearer \(access)")])
            #expect(ok.status == 200)
            #expect(ok.json["login"] as? String == "octocat")
            #expect(ok.json["plan"] as? String == "demo")
            #expect(ok.json["repos"] as? Int == 3)
            #expect(ok.headers.first(name: "cache-control") == "no-store")

            let missing = try await Self.send(client, url)
            #expect(missing.status == 401)
            #expect(missing.headers.first(name: "www-authenticate")?.contains("invalid_token") == false)
            let unknown = try await Self.send(client, url, headers: [("authorization", "Bearer dc_at_unknown")])
            #expect(unknown.status == 401)
            #expect(unknown.headers.first(name: "www-authenticate")?.contains(#"error="invalid_token""#) == true)

            upstream.expireAccessTokens()
            #expect(try await Self.send(client, url, headers: [("authorization", "Bearer \(access)")]).status == 401)
            // A refresh gives a working token again; revoking it closes the API to it.
            let refreshed = try await Self.refresh(client, base, try #require(tokens["refresh_token"] as? String)).json
            let fresh = try #require(refreshed["access_token"] as? String)
            #expect(try await Self.send(client, url, headers: [("authorization", "Bearer \(fresh)")]).status == 200)
            _ = try await Self.send(client, "\(base)/revoke", form: "token=\(fresh)", headers: [("authorization", Self.basic)])
            #expect(try await Self.send(client, url, headers: [("authorization", "Bearer \(fresh)")]).status == 401)
            #expect(upstream.profileCalls == 6)
            // GET /stats counts what another process (the interop suite) cannot see: one code, one refresh, six calls.
            let stats = try await Self.send(client, "\(base)/stats")
            #expect(stats.json["authorization_code_grants"] as? Int == 1 && stats.json["refresh_token_grants"] as? Int == 1)
            #expect(stats.json["api_calls"] as? Int == 6)

            upstream.mode.api = .status(503)
            #expect(try await Self.send(client, url, headers: [("authorization", "Bearer \(fresh)")]).status == 503)
        }
    }

    @Test("misbehaviours answer as designed")
    func misbehaviours() async throws {
        let upstream = FakeUpstream(redirectURIs: [Self.redirectURI])
        upstream.mode.decision = .approve
        try await Self.withUpstream(upstream) { upstream, base, client in
            upstream.mode.token = .redirectToMetadataService(status: 307)
            let redirect = try await Self.redeem(client, base, code: "anything")
            #expect(redirect.status == 307)
            #expect(redirect.headers.first(name: "location") == FakeUpstream.Misbehaviour.metadataServiceURL)

            upstream.mode.token = .nullBody
            #expect(try await Self.redeem(client, base, code: "anything").text == "null")

            upstream.mode.token = .hostileError
            let hostile = try await Self.redeem(client, base, code: "anything")
            #expect(hostile.json["error_description"] as? String == FakeUpstream.Misbehaviour.hostileDescription)

            upstream.mode.token = .expiresInString("3600")
            let code = try await Self.code(client, base)
            #expect(try await Self.redeem(client, base, code: code).json["expires_in"] as? String == "3600")

            upstream.mode.issuerParameter = .wrong("https://evil.example")
            #expect(try await Self.send(client, "\(base)/authorize?\(Self.authorizeQuery())").redirect["iss"] == "https://evil.example")
            upstream.mode.issuerParameter = .omitted
            let omitted = try await Self.send(client, "\(base)/authorize?\(Self.authorizeQuery())").redirect
            #expect(omitted["code"] != nil && omitted["iss"] == nil)

            upstream.mode.userinfo = .status(500)
            #expect(try await Self.send(client, "\(base)/userinfo").status == 500)
        }
    }

    /// That stopping does not wait out the 60 s sleep shows as this test ending at all; no wall-clock assertion.
    @Test("a slow answer outlives the client's deadline, and stopping the fake does not wait for it")
    func slowIsCancelled() async throws {
        try await Self.withUpstream { upstream, base, client in
            upstream.mode.token = .slow(.seconds(60))
            var request = HTTPClientRequest(url: "\(base)/token")
            request.method = .POST
            let slow = request
            await #expect(throws: (any Error).self) { _ = try await client.execute(slow, timeout: .milliseconds(300)) }
        }
    }
}

/// `application/x-www-form-urlencoded` value encoding for the tests' hand-built queries.
enum AuthorizationEncoding {
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? value
    }
}
