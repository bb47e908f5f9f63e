import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyDemo
import LatchkeyServer
import LatchkeyTestSupport
import NIOCore
import LatchkeyStore
import Logging
import SQLKit
import Testing

/// RFC 8693 token exchange for upstream tokens, against the fake upstream: who may exchange what, the answer,
/// `connection_required`, and refresh — once, across two Latchkey instances on one store.
struct TokenExchangeTests {
    static let resource = CodeGrantTests.resource
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let tokenType = "urn:ietf:params:oauth:token-type:access_token"

    /// Latchkey with the MCP server `resource` (client `mcp-server`) allowed to receive `demo`'s tokens.
    static func app(_ fake: FakeUpstream, directory: URL? = nil, clock: TestClock) throws -> TestApp {
        var app = try VaultJourneyTests.app(fake, providerExtra: #","resources":["\#(resource)"]"#)
        app = TestApp(app.settings.merging([
            "resources": #"[{"uri":"\#(resource)","name":"Demo MCP","client_id":"mcp-server"},{"uri":"https://other.example.com","name":"Other","client_id":"other-server"}]"#,
        ]) { $1 }, directory: directory ?? app.directory)
        app.clock = clock.unix
        return app
    }

    /// The MCP servers' confidential clients, as `latchkey clients add` makes them.
    static func addServers(_ runtime: LatchkeyRuntime) async throws -> (mcp: OAuthTest.Client, other: OAuthTest.Client) {
        var made: [OAuthTest.Client] = []
        for id in ["mcp-server", "other-server"] {
            let added = try await runtime.addClient(
                .object(["client_name": .string(id), "grant_types": .array([.string("client_credentials")]),
                         "token_endpoint_auth_method": .string("client_secret_basic")]),
                clientID: id
            )
            made.append(OAuthTest.Client(id: added.clientID, secret: try #require(added.clientSecret)))
        }
        return (made[0], made[1])
    }

    /// A Latchkey access token of `id-alice` for `audience`, as a consent and code exchange would give the MCP client.
    static func subjectToken(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, audience: [String] = [resource]) async throws -> String {
        try await issued(client, runtime, audience: audience).token
    }

    /// The token and the (public) client it was issued to.
    static func issued(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, audience: [String] = [resource]) async throws -> (token: String, clientID: String) {
        let registered = try await client.register(#"{"redirect_uris":["\#(CodeGrantTests.redirect)"],"grant_types":["authorization_code"]}"#).json
        let clientID = try #require(registered["client_id"] as? String)
        let code = RandomToken.generate()
        let now = runtime.clock.now()
        try await runtime.codes.create(AuthorizationCodeRecord(
            codeHash: runtime.hasher.hash(code), clientID: clientID, userID: "id-alice", redirectURI: CodeGrantTests.redirect,
            codeChallenge: PKCEChallenge.s256(CodeGrantTests.verifier), scopes: ["mcp:tools"], audience: audience,
            authTime: now - 5, createdAt: now, expiresAt: now + 60
        ))
        let token = try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: code))
        return (try #require(token.json["access_token"] as? String), clientID)
    }

    static func exchange(
        _ client: any TestClientProtocol, _ caller: OAuthTest.Client, subject: String, audience: String = "demo", extra: String = ""
    ) async throws -> TestResponse {
        try await OAuthTest.post(
            client, "/token",
            "grant_type=\(grantType)&subject_token=\(subject)&subject_token_type=\(tokenType)&audience=\(audience)\(extra)",
            authorization: caller.basic
        )
    }

    /// Alice connects `demo` through the pages (a real authorization code at the fake).
    static func connect(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime) async throws {
        let (alice, _, authorize) = try await VaultJourneyTests.start(client, runtime, "alice")
        let done = try await alice.get(VaultJourneyTests.local(try await VaultJourneyTests.upstreamRedirect(authorize)))
        #expect(done.status == .seeOther)
    }

    /// A running fake upstream and a Latchkey whose MCP servers' clients exist, alice connected unless `connect` is
    /// false; `body` gets them with the clock it can move.
    static func withExchange(
        connect: Bool = true, settings: [String: String] = [:], upstreamTokenLifetime: Int = 3600,
        _ body: @escaping @Sendable (FakeUpstream, TestClock, any TestClientProtocol, LatchkeyRuntime, (mcp: OAuthTest.Client, other: OAuthTest.Client)) async throws -> Void
    ) async throws {
        let clock = TestClock()
        try await withFakeUpstream(FakeUpstream(redirectURIs: [VaultJourneyTests.callback], accessTokenLifetime: upstreamTokenLifetime)) { fake in
            fake.mode = .init(decision: .approve)
            var app = try Self.app(fake, clock: clock)
            app.settings.merge(settings) { $1 }
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let servers = try await Self.addServers(runtime)
                if connect { try await Self.connect(client, runtime) }
                try await body(fake, clock, client, runtime, servers)
            }
        }
    }

    static func refreshes(_ fake: FakeUpstream) -> Int {
        fake.requests(to: "/token").filter { $0.body.contains("grant_type=refresh_token") }.count
    }

    @Test("the MCP server a token was issued for gets the user's upstream access token: no refresh token, no-store")
    func exchange() async throws {
        try await Self.withExchange { fake, clock, client, runtime, servers in
            let subject = try await Self.subjectToken(client, runtime)
            let answer = try await Self.exchange(client, servers.mcp, subject: subject)
            #expect(answer.status == .ok)
            #expect(answer.headers[.cacheControl] == "no-store")
            let token = try #require(answer.json["access_token"] as? String)
            #expect(fake.validAccessToken(token))
            #expect(answer.json["issued_token_type"] as? String == Self.tokenType && answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["refresh_token"] == nil && answer.json["scope"] as? String == "read:user")
            #expect((answer.json["expires_in"] as? Int ?? 0) > 3000)
            #expect(Self.refreshes(fake) == 0)
        }
    }

    @Test("who may exchange: not another MCP server, not a public client, not a machine token, not a foreign audience")
    func refusals() async throws {
        try await Self.withExchange { fake, clock, client, runtime, servers in
            let (subject, mcpClient) = try await Self.issued(client, runtime)
            let forOther = try await Self.subjectToken(client, runtime, audience: ["https://other.example.com"])
            let cases: [(OAuthTest.Client, String, String, String, String)] = [
                // A token issued for the demo MCP server, presented by the other server: confused deputy.
                (servers.other, subject, "demo", "", "invalid_target"),
                // The other server with its own token: the provider does not allow it.
                (servers.other, forOther, "demo", "", "invalid_target"),
                (servers.mcp, forOther, "demo", "", "invalid_target"),
                (servers.mcp, subject, "nope", "", "invalid_target"),
                (servers.mcp, "not-a-token", "demo", "", "invalid_request"),
                (servers.mcp, String(subject.dropLast(3)) + "AAA", "demo", "", "invalid_request"),
                (servers.mcp, subject, "demo", "&actor_token=x&actor_token_type=\(Self.tokenType)", "invalid_request"),
                (servers.mcp, subject, "demo", "&requested_token_type=urn:ietf:params:oauth:token-type:refresh_token", "invalid_request"),
                (servers.mcp, subject, "demo", "&scope=repo", "invalid_request"),
                (servers.mcp, subject, "demo", "&latchkey_force_refresh=maybe", "invalid_request"),
            ]
            for (caller, token, audience, extra, error) in cases {
                let answer = try await Self.exchange(client, caller, subject: token, audience: audience, extra: extra)
                #expect(answer.status == .badRequest && answer.json["error"] as? String == error, "\(caller.id) \(audience) \(extra)")
                #expect(answer.json["access_token"] == nil)
            }
            // The subject token's own client_credentials token (no user) is refused.
            let machine = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&resource=\(AuthorizationResponse.percentEncode(Self.resource))", authorization: servers.mcp.basic)
            let machineToken = try #require(machine.json["access_token"] as? String)
            #expect(try await Self.exchange(client, servers.mcp, subject: machineToken).json["error"] as? String == "invalid_request")
            // A public client cannot exchange, whatever it holds.
            let public_ = try #require(try await client.register(#"{"redirect_uris":["\#(CodeGrantTests.redirect)"]}"#).json["client_id"] as? String)
            let refused = try await OAuthTest.post(
                client, "/token", "grant_type=\(Self.grantType)&subject_token=\(subject)&subject_token_type=\(Self.tokenType)&audience=demo&client_id=\(public_)"
            )
            #expect(refused.json["error"] as? String == "unauthorized_client")
            // A revoked subject token stops working.
            #expect(try await OAuthTest.post(client, "/revoke", "token=\(subject)&client_id=\(mcpClient)").status == .ok)
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).json["error"] as? String == "invalid_request")
            #expect(Self.refreshes(fake) == 0)
        }
    }

    @Test("a subject token whose user was disabled, or whose client was deleted, is invalid_request; nothing reaches the upstream")
    func subjectGone() async throws {
        // No caching of users or clients, so the change is seen by the very next exchange.
        try await Self.withExchange(settings: ["client-cache-ttl": "0"]) { fake, clock, client, runtime, servers in
            let (subject, issuedTo) = try await Self.issued(client, runtime)
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).status == .ok)
            try await runtime.setUserDisabled(username: "alice", true)
            let disabled = try await Self.exchange(client, servers.mcp, subject: subject)
            #expect(disabled.status == .badRequest && disabled.json["error"] as? String == "invalid_request")
            try await runtime.setUserDisabled(username: "alice", false)
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).status == .ok)
            #expect(try await runtime.deleteClient(id: issuedTo))
            let orphaned = try await Self.exchange(client, servers.mcp, subject: subject)
            #expect(orphaned.status == .badRequest && orphaned.json["error"] as? String == "invalid_request")
            #expect(Self.refreshes(fake) == 0)
        }
    }

    @Test("not connected, or refused at refresh: connection_required with a connect link only that user can use")
    func connectionRequired() async throws {
        try await Self.withExchange(connect: false) { fake, clock, client, runtime, servers in
            try await BrowserFlowTests.createUser(runtime, "alice")
            let subject = try await Self.subjectToken(client, runtime)
            let answer = try await Self.exchange(client, servers.mcp, subject: subject)
            #expect(answer.status == .badRequest && answer.json["error"] as? String == "connection_required")
            #expect(answer.json["provider"] as? String == "demo" && answer.json["connection_status"] as? String == "not_connected")
            let link = try #require(answer.json["error_uri"] as? String)
            #expect(link.hasPrefix("http://127.0.0.1:8080/connections/demo/connect?for="))
            // The value is sealed, not merely signed: nothing in it names alice or the MCP server's client.
            let value = String(link.dropFirst("http://127.0.0.1:8080/connections/demo/connect?for=".count))
            let readable = value.split(separator: ".").compactMap { Base64URL.decode(String($0)) }.map { String(decoding: $0, as: UTF8.self) }
            #expect(value.hasPrefix("v1.") && !readable.contains { $0.contains("v1|") || $0.contains("alice") || $0.contains("YWxpY2") })

            // Bob opening alice's link is refused; alice gets the confirmation page naming the MCP server.
            let (bob, _) = try await CredentialsAPITests.signedIn(client, runtime, "bob")
            #expect(try await bob.get(VaultJourneyTests.local(link)).status == .forbidden)
            let alice = TestBrowser(client)
            let login = try await alice.get(VaultJourneyTests.local(link))
            #expect(TestBrowser.field("return_to", in: login.text) == VaultJourneyTests.local(link))
            #expect(try await alice.login(login).location == VaultJourneyTests.local(link))
            let page = try await alice.get(VaultJourneyTests.local(link))
            #expect(page.status == .ok && page.text.contains("Demo MCP"))
            #expect(try await alice.get("/connections/demo/connect?for=forged.value").status == .badRequest)
            // One character of the ciphertext changed (not the last, whose low bits base64url may ignore).
            var characters = Array(value)
            characters[characters.count - 8] = characters[characters.count - 8] == "A" ? "B" : "A"
            let tampered = String(characters)
            #expect(try await alice.get("/connections/demo/connect?for=\(tampered)").status == .badRequest)

            // Connected (from that page), then the upstream refuses the refresh token: needs_reauth, the same error.
            let started = try await alice.post("/connections/demo/connect", [("csrf_token", try #require(TestBrowser.field("csrf_token", in: page.text)))])
            let back = try await VaultJourneyTests.upstreamRedirect(try #require(started.location))
            #expect(try await alice.get(VaultJourneyTests.local(back)).status == .seeOther)
            fake.mode.token = .invalidGrantOnRefresh
            clock.advance(7200)
            let stale = try await Self.exchange(client, servers.mcp, subject: try await Self.subjectToken(client, runtime))
            #expect(stale.json["error"] as? String == "connection_required" && stale.json["connection_status"] as? String == "needs_reauth")
            #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo")?.lastError == "invalid_grant")
            // The link from the first answer is an hour old now: refused, even for alice.
            let expired = try await alice.get(VaultJourneyTests.local(link))
            #expect(expired.status == .badRequest && expired.text.contains("expired"))
        }
    }

    @Test("an expired upstream token is refreshed once, the rotated refresh token stored; a transient failure backs off")
    func refresh() async throws {
        try await Self.withExchange { fake, clock, client, runtime, servers in
            let before = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
            clock.advance(3600)
            let subject = try await Self.subjectToken(client, runtime)
            let answer = try await Self.exchange(client, servers.mcp, subject: subject)
            let token = try #require(answer.json["access_token"] as? String)
            #expect(fake.validAccessToken(token) && Self.refreshes(fake) == 1)
            let after = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
            #expect(after.refreshToken != before.refreshToken && after.version == before.version + 1 && after.refreshedAt != nil)
            // Fresh now: no second refresh.
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).json["access_token"] as? String == token)
            #expect(Self.refreshes(fake) == 1)

            // The upstream fails: 503, the connection unchanged, and callers back off without calling again.
            fake.mode.token = .status(500)
            clock.advance(3600)
            let current = try await Self.subjectToken(client, runtime)
            let failing = try await Self.exchange(client, servers.mcp, subject: current)
            #expect(failing.status == .serviceUnavailable && failing.json["error"] as? String == "temporarily_unavailable")
            #expect(failing.headers[.retryAfter] != nil)
            // Within the back-off the next caller is told to wait, and the upstream is not called again.
            #expect(try await Self.exchange(client, servers.mcp, subject: current).status == .serviceUnavailable)
            let unchanged = try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo")
            #expect(unchanged?.status == .connected && unchanged?.refreshToken == after.refreshToken && unchanged?.lastError == "temporarily_unavailable")
            #expect(Self.refreshes(fake) == 2)
        }
    }

    @Test("a token issued for less than two margins is reused for half its life, not refreshed on every exchange")
    func shortLivedUpstreamToken() async throws {
        try await Self.withExchange(upstreamTokenLifetime: 100) { fake, clock, client, runtime, servers in
            let subject = try await Self.subjectToken(client, runtime)
            let first = try #require(try await Self.exchange(client, servers.mcp, subject: subject).json["access_token"] as? String)
            // 100 s life, 60 s margin: handed out as it is for 50 s (the broker's cache is 5 s, so this reads the row).
            // The test clock runs with real time too, so the checks stay well clear of the boundary on a loaded machine.
            clock.advance(30)
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).json["access_token"] as? String == first)
            #expect(Self.refreshes(fake) == 0)
            clock.advance(25)
            let second = try #require(try await Self.exchange(client, servers.mcp, subject: subject).json["access_token"] as? String)
            #expect(second != first && fake.validAccessToken(second) && Self.refreshes(fake) == 1)
            clock.advance(30)
            #expect(try await Self.exchange(client, servers.mcp, subject: subject).json["access_token"] as? String == second)
            #expect(Self.refreshes(fake) == 1)
        }
    }

    @Test("a refresh answer without a new refresh token keeps the old one; a string expires_in is read")
    func refreshKeepsRefreshToken() async throws {
        try await Self.withExchange { fake, clock, client, runtime, servers in
            let before = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
            fake.mode.token = .withoutRefreshToken
            clock.advance(3550)
            let answer = try await Self.exchange(client, servers.mcp, subject: try await Self.subjectToken(client, runtime))
            #expect(answer.status == .ok && Self.refreshes(fake) == 1)
            let after = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
            #expect(after.refreshToken == before.refreshToken && after.accessToken != before.accessToken)
            fake.mode.token = .expiresInString("7200")
            let current = try #require(answer.json["access_token"] as? String)
            // A forced exchange naming a token that is no longer the stored one gets the stored one: no refresh.
            let stale = try await Self.exchange(
                client, servers.mcp, subject: try await Self.subjectToken(client, runtime),
                extra: "&latchkey_force_refresh=true&latchkey_refused_token_sha256=\(PKCEChallenge.s256("an-older-token"))"
            )
            #expect(stale.json["access_token"] as? String == current && Self.refreshes(fake) == 1)
            // Moments after a refresh, even naming the stored token does not refresh again: a 401 loop cannot
            // hammer the upstream.
            let soon = try await Self.exchange(
                client, servers.mcp, subject: try await Self.subjectToken(client, runtime),
                extra: "&latchkey_force_refresh=true&latchkey_refused_token_sha256=\(PKCEChallenge.s256(current))"
            )
            #expect(soon.json["access_token"] as? String == current && Self.refreshes(fake) == 1)
            clock.advance(11)
            // Naming the stored token (the upstream refused it): refreshed at once, though it looked fresh.
            let forced = try await Self.exchange(
                client, servers.mcp, subject: try await Self.subjectToken(client, runtime),
                extra: "&latchkey_force_refresh=true&latchkey_refused_token_sha256=\(PKCEChallenge.s256(current))"
            )
            #expect(Self.refreshes(fake) == 2 && forced.json["access_token"] as? String != current)
            #expect((forced.json["expires_in"] as? Int ?? 0) > 7000)
            // A refused-token hash without force is refused.
            let odd = try await Self.exchange(
                client, servers.mcp, subject: try await Self.subjectToken(client, runtime),
                extra: "&latchkey_refused_token_sha256=\(PKCEChallenge.s256(current))"
            )
            #expect(odd.json["error"] as? String == "invalid_request")
        }
    }

    /// The stores the two-instance race runs on: one SQLite file always; a scratch PostgreSQL database too when
    /// `LATCHKEY_TEST_POSTGRES_URL` is set (created and dropped here, so the store tests' database is untouched).
    static var engines: [String] {
        ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"] == nil ? ["sqlite"] : ["sqlite", "postgres"]
    }

    static func withStore(_ engine: String, _ body: (String?) async throws -> Void) async throws {
        guard engine == "postgres", let base = ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"],
              let slash = base.lastIndex(of: "/")
        else { return try await body(nil) }
        let name = "latchkey_exchange_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let admin = try LatchkeyDatabase(location: .postgres(url: base), logger: logger)
        let result: Result<Void, any Error>
        do {
            try await admin.withSession { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            try await body(String(base[...slash]) + name)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        try? await admin.withSession { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
        try await admin.shutdown()
        try result.get()
    }

    @Test("50 concurrent exchanges on two instances sharing one store: exactly one upstream refresh, every caller a valid token",
          arguments: engines)
    func refreshOnceAcrossInstances(engine: String) async throws {
        let clock = TestClock()
        try await Self.withStore(engine) { database in
        try await withFakeUpstream(VaultJourneyTests.fake()) { fake in
            fake.mode = .init(decision: .approve)
            var base = try Self.app(fake, clock: clock)
            if let database { base.settings["database"] = database }
            let first = base
            defer { first.removeFiles() }
            var copy = try Self.app(fake, directory: first.directory, clock: clock)
            copy.settings = first.settings
            let second = copy
            try await first.test { clientA, runtimeA in
                let servers = try await Self.addServers(runtimeA)
                try await Self.connect(clientA, runtimeA)
                let subject = try await Self.subjectToken(clientA, runtimeA)
                // The upstream token now has 50 s left (under the 60 s margin); the subject token is still valid.
                clock.advance(3550)
                try await second.test { clientB, _ in
                    let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
                        for index in 0..<50 {
                            let client = index.isMultiple(of: 2) ? clientA : clientB
                            group.addTask {
                                let answer = try await Self.exchange(client, servers.mcp, subject: subject)
                                return answer.json["access_token"] as? String
                            }
                        }
                        return try await group.reduce(into: [String?]()) { $0.append($1) }
                    }
                    #expect(tokens.allSatisfy { $0.map(fake.validAccessToken) ?? false })
                    #expect(Self.refreshes(fake) == 1)
                    #expect(Set(tokens).count == 1)
                }
            }
        }
        }
    }
}
