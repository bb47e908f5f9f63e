import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyDemo
import LatchkeyServer
import LatchkeyTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The user's side of the vault end to end against a fake upstream authorization server on loopback: connect
/// (confirmation page, PKCE redirect, callback, code exchange, userinfo label), status, disconnect with upstream
/// revocation — and every way a callback must store nothing.
struct VaultJourneyTests {
    static let callback = "http://127.0.0.1:8080/connections/callback"

    /// Latchkey configured with one provider, `demo`, discovered at the running fake.
    static func app(_ fake: FakeUpstream, revocation: Bool = true, providerExtra: String = "") throws -> TestApp {
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-fake-secret-\(UUID().uuidString)")
        try Data("demo-secret\n".utf8).write(to: secretFile)
        let base = try #require(fake.baseURL)
        let provider = #"{"id":"demo","name":"Demo Cloud","issuer":"\#(base)","client_id":"latchkey-demo","client_secret_file":"\#(secretFile.path)","scopes":["read:user"],"userinfo_endpoint":"\#(base)/userinfo","account_field":"login"\#(revocation ? "" : #","revocation_endpoint":"\#(base)/nowhere""#)\#(providerExtra)}"#
        return TestApp(CredentialsAPITests.settings.merging(["providers": "[\(provider)]", "egress-allow-loopback": "true"]) { $1 })
    }

    static func fake() -> FakeUpstream {
        FakeUpstream(redirectURIs: [callback])
    }

    /// Where the upstream's authorize endpoint sends the browser (its `Location`), fetched without following it.
    static func upstreamRedirect(_ url: String) async throws -> String {
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: .init(redirectConfiguration: .disallow))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
        let location = response.headers.first(name: "location")
        return try #require(location)
    }

    /// The path and query of a URL on Latchkey, for the in-process browser.
    static func local(_ url: String) -> String {
        String(url.dropFirst("http://127.0.0.1:8080".count))
    }

    /// Signs `username` in, starts a connect and returns the browser, its CSRF token and the upstream authorize URL.
    static func start(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, _ username: String) async throws -> (TestBrowser, String, String) {
        let (browser, csrf) = try await CredentialsAPITests.signedIn(client, runtime, username)
        let started = try await browser.post("/connections/demo/connect", [("csrf_token", csrf)])
        #expect(started.status == .seeOther)
        return (browser, csrf, try #require(started.location))
    }

    @Test("connect, status with the account label, disconnect revoking upstream; tokens sealed at rest; the callback works once")
    func connectAndDisconnect() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve)
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, csrf) = try await CredentialsAPITests.signedIn(client, runtime, "alice")
                let confirmation = try await alice.get("/connections/demo/connect")
                #expect(confirmation.status == .ok && confirmation.text.contains("Connect <strong>Demo Cloud</strong>"))
                #expect(confirmation.text.contains(#"id="username">alice<"#))
                let started = try await alice.post("/connections/demo/connect", [("csrf_token", csrf)])
                let location = try #require(started.location)
                let authorize = try #require(URLComponents(string: location))
                let query = Dictionary(uniqueKeysWithValues: (authorize.queryItems ?? []).map { ($0.name, $0.value ?? "") })
                let base = try #require(fake.baseURL)
                #expect(location.hasPrefix(base + "/authorize?"))
                #expect(query["code_challenge_method"] == "S256" && query["code_challenge"]?.utf8.count == 43)
                #expect(query["redirect_uri"] == Self.callback && query["client_id"] == "latchkey-demo" && query["scope"] == "read:user")
                #expect((query["state"]?.utf8.count ?? 0) >= 43)

                let back = try await Self.upstreamRedirect(location)
                #expect(back.hasPrefix(Self.callback + "?"))
                let done = try await alice.get(Self.local(back))
                #expect(done.status == .seeOther && done.location == "/connections?connected=demo")
                let page = try await alice.get("/connections?connected=demo")
                #expect(page.text.contains("Connected Demo Cloud.") && page.text.contains("octocat") && page.text.contains("read:user"))
                let status = try await alice.get("/api/v1/user/credentials/demo").json
                #expect(status["status"] as? String == "connected" && status["account"] as? String == "octocat")

                // At rest only sealed values; the upstream's refresh token appears nowhere in the row.
                let row = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
                let refresh = try #require(fake.issuedRefreshTokens.last)
                #expect(row.refreshToken?.hasPrefix("v1.") == true && row.refreshToken?.contains(refresh) == false)
                // Latchkey authenticated with client_secret_basic and sent the PKCE verifier.
                let exchange = try #require(fake.requests(to: "/token").last)
                #expect(exchange.headers[.authorization]?.hasPrefix("Basic ") == true && exchange.body.contains("code_verifier="))

                // The same callback again: its state was consumed; nothing changes.
                let replay = try await alice.get(Self.local(back))
                #expect(replay.status == .badRequest && replay.text.contains("expired"))
                #expect(fake.requests(to: "/token").count == 1)

                // A disconnect form without the session's token changes nothing.
                #expect(try await alice.post("/connections/demo/disconnect", []).status == .forbidden)
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo") != nil)
                let disconnected = try await alice.post("/connections/demo/disconnect", [("csrf_token", csrf)])
                #expect(disconnected.status == .seeOther && disconnected.location == "/connections?disconnected=demo")
                #expect(fake.revokedTokens.contains(refresh))
                #expect(try await alice.get("/api/v1/user/credentials/demo").json["status"] as? String == "not_connected")
            }
        }
    }

    @Test("not signed in: the connect page is the login page, which returns to it")
    func connectNeedsSignIn() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                try await BrowserFlowTests.createUser(runtime, "alice")
                let browser = TestBrowser(client)
                let login = try await browser.get("/connections/demo/connect")
                #expect(login.text.contains("Sign in") && TestBrowser.field("return_to", in: login.text) == "/connections/demo/connect")
                let signedIn = try await browser.login(login)
                #expect(signedIn.location == "/connections/demo/connect")
                #expect(try await browser.get("/connections/nope/connect").status == .notFound)
                #expect(try await browser.post("/connections/demo/connect", [("csrf_token", "forged")]).status == .forbidden)
                #expect(fake.requests.isEmpty)
            }
        }
    }

    @Test("denied at the upstream: a page with the code only, nothing stored")
    func denied() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .deny)
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, _, authorize) = try await Self.start(client, runtime, "alice")
                let page = try await alice.get(Self.local(try await Self.upstreamRedirect(authorize)))
                #expect(page.status == .badRequest && page.text.contains("access was denied"))
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo") == nil)
                #expect(fake.requests(to: "/token").isEmpty)
            }
        }
    }

    @Test("another user, or a browser without the session, completing alice's flow stores nothing under either, and burns it")
    func otherUser() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve)
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            let logs = LogRecorder()
            var logged = app
            logged.logs = logs
            try await logged.test { client, runtime in
                let (alice, _, authorize) = try await Self.start(client, runtime, "alice")
                let back = Self.local(try await Self.upstreamRedirect(authorize))
                let (bob, _) = try await CredentialsAPITests.signedIn(client, runtime, "bob")
                let refused = try await bob.get(back)
                #expect(refused.status == .forbidden)
                #expect(logs.entry(event: "vault.flow_misused")?.metadata["started_by"] == "id-alice")
                // Alice's own callback afterwards: the state is gone.
                #expect(try await alice.get(back).status == .badRequest)
                // Alice herself in another browser (a forwarded link): refused too.
                let restarted = try await alice.post("/connections/demo/connect", [("csrf_token", try #require(
                    TestBrowser.field("csrf_token", in: try await alice.get("/connections/demo/connect").text)
                ))])
                let otherBrowser = TestBrowser(client)
                #expect(try await otherBrowser.login(try await otherBrowser.get("/login")).status == .seeOther)
                let forwarded = try await otherBrowser.get(Self.local(try await Self.upstreamRedirect(try #require(restarted.location))))
                #expect(forwarded.status == .forbidden)
                // A browser with no session at all gets nothing either.
                let (_, _, second) = try await Self.start(client, runtime, "carol")
                #expect(try await TestBrowser(client).get(Self.local(try await Self.upstreamRedirect(second))).status == .forbidden)
                for user in ["id-alice", "id-bob", "id-carol"] {
                    #expect(try await runtime.upstreamCredentials.list(userID: user).isEmpty)
                }
                #expect(fake.requests(to: "/token").isEmpty)
            }
        }
    }

    static let badTokenEndpoints: [(FakeUpstream.Misbehaviour, String)] = [
        (.redirectToMetadataService(), "server_error"),
        (.redirectToMetadataService(status: 307), "server_error"),
        (.nullBody, "server_error"),
        (.htmlBody, "server_error"),
        (.oversizedBody(bytes: FakeUpstream.Misbehaviour.twoMebibytes), "server_error"),
        (.expiresInString("soon"), "server_error"),
        (.invalidClient, "invalid_client"),
        (.status(403), "invalid_request"),
        (.status(500), "temporarily_unavailable"),
        (.hostileError, "invalid_request"),
    ]

    @Test("a misbehaving token endpoint: a clear page with an RFC 6749 code, nothing stored, nothing re-sent or echoed", arguments: badTokenEndpoints)
    func badTokenEndpoint(misbehaviour: FakeUpstream.Misbehaviour, code: String) async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve, token: misbehaviour)
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, _, authorize) = try await Self.start(client, runtime, "alice")
                let page = try await alice.get(Self.local(try await Self.upstreamRedirect(authorize)))
                #expect(page.status == .badGateway && page.text.contains("(\(code))"))
                #expect(!page.text.contains("script") && !page.text.contains("Ignore previous") && !page.text.contains("<html>hello"))
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo") == nil)
                // One exchange, never followed anywhere, never retried.
                #expect(fake.requests(to: "/token").count == 1)
            }
        }
    }

    @Test("a string expires_in that is a number is accepted; a failing userinfo only loses the label")
    func lenientAnswers() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve, token: .expiresInString("3600"), userinfo: .status(500))
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, _, authorize) = try await Self.start(client, runtime, "alice")
                #expect(try await alice.get(Self.local(try await Self.upstreamRedirect(authorize))).status == .seeOther)
                let row = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
                #expect(row.account == nil && row.accessTokenExpiresAt == row.connectedAt + 3600)
            }
        }
    }

    @Test("RFC 9207: a callback with another issuer's iss, or none when the metadata promises one, is refused", arguments: [
        FakeUpstream.IssuerParameter.wrong("https://evil.example"), .omitted,
    ])
    func issuerMixUp(issuer: FakeUpstream.IssuerParameter) async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve, issuerParameter: issuer)
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, _, authorize) = try await Self.start(client, runtime, "alice")
                let page = try await alice.get(Self.local(try await Self.upstreamRedirect(authorize)))
                #expect(page.status == .badRequest && page.text.contains("issuer"))
                #expect(fake.requests(to: "/token").isEmpty)
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo") == nil)
            }
        }
    }

    @Test("a failing upstream revocation never keeps the connection: the row goes, the user is told, the operator sees it")
    func revocationFails() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            fake.mode = .init(decision: .approve, revocation: .status(503))
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            let logs = LogRecorder()
            var logged = app
            logged.logs = logs
            try await logged.test { client, runtime in
                let (alice, csrf, authorize) = try await Self.start(client, runtime, "alice")
                _ = try await alice.get(Self.local(try await Self.upstreamRedirect(authorize)))
                let disconnected = try await alice.post("/connections/demo/disconnect", [("csrf_token", csrf)])
                #expect(disconnected.location == "/connections?disconnected=demo&revocation=failed")
                #expect(try await alice.get(try #require(disconnected.location)).text.contains("did not confirm"))
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo") == nil)
                #expect(logs.entry(event: "vault.revocation_failed")?.metadata["reason"] == "temporarily_unavailable")
                // The API's DELETE is idempotent after that.
                let again = try await alice.send("/api/v1/user/credentials/demo", method: .delete, body: nil, headers: [
                    HTTPField.Name("X-CSRF-Token")!: csrf, .origin: "http://127.0.0.1:8080",
                ])
                #expect(again.status == .noContent)
            }
        }
    }

    @Test("connects are throttled per user, and a callback whose state Latchkey never issued costs no lookup")
    func throttles() async throws {
        try await withFakeUpstream(Self.fake()) { fake in
            let app = try Self.app(fake)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                let (alice, csrf) = try await CredentialsAPITests.signedIn(client, runtime, "alice")
                for _ in 0..<20 {
                    #expect(try await alice.post("/connections/demo/connect", [("csrf_token", csrf)]).status == .seeOther)
                }
                let throttled = try await alice.post("/connections/demo/connect", [("csrf_token", csrf)])
                #expect(throttled.status == .tooManyRequests && throttled.headers[.retryAfter] != nil)
                // Only the newest five flows are kept.
                #expect(try await runtime.upstreamFlows.deleteExpired(now: .max) == 5)
                let forged = try await alice.get("/connections/callback?code=c&state=short")
                #expect(forged.status == .badRequest && forged.text.contains("expired"))
            }
        }
    }
}
