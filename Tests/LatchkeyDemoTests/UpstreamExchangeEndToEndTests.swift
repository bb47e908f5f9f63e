import AsyncHTTPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyDemo
import LatchkeyResource
import LatchkeyServer
import LatchkeyTestSupport
import Logging
import MCP
import NIOCore
import NIOHTTP1
import Testing

/// Issue 12 §3 end to end, nothing faked between the pieces: the Swift MCP SDK's `Client` calls the live demo MCP
/// server's `upstream_profile`; the demo exchanges the user's Latchkey token at a real (in-process) Latchkey through
/// `UpstreamTokens`; Latchkey's vault connects, refreshes and revokes at the fake upstream on loopback, whose API
/// answers the profile.
struct UpstreamExchangeEndToEndTests {
    static let resource = DemoServerTests.resource
    static let provider = "demo-cloud"
    static let callback = "http://127.0.0.1:8080/connections/callback"
    static let issuer = "http://127.0.0.1:8080"
    static let mcpRedirect = "http://127.0.0.1:33419/callback"
    static let verifier = "an-mcp-client-verifier-that-is-long-enough-for-rfc-7636"
    static let password = TestBrowser.password

    /// Latchkey with Demo Cloud (the running fake) as a provider whose tokens the demo MCP server (client `demo-mcp`)
    /// may receive.
    static func app(_ fake: FakeUpstream, clock: TestClock) throws -> TestApp {
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-e2e-secret-\(UUID().uuidString)")
        try Data("demo-secret\n".utf8).write(to: secretFile)
        let base = try #require(fake.baseURL)
        let scopes = DemoConfiguration.scopes.map { "\"\($0)\"" }.joined(separator: ",")
        var app = TestApp([
            "scopes": DemoConfiguration.scopes.joined(separator: " "),
            "resources": #"[{"uri":"\#(resource)","name":"Demo MCP","scopes":[\#(scopes)],"client_id":"demo-mcp"}]"#,
            "providers": #"[{"id":"\#(provider)","name":"Demo Cloud","issuer":"\#(base)","client_id":"latchkey-demo","client_secret_file":"\#(secretFile.path)","scopes":["read:user"],"userinfo_endpoint":"\#(base)/userinfo","account_field":"login","resources":["\#(resource)"]}]"#,
            "egress-allow-loopback": "true",
        ])
        app.clock = clock.unix
        return app
    }

    /// A signed-in browser for `username` (a new user).
    static func signIn(_ latchkey: any TestClientProtocol, _ runtime: LatchkeyRuntime, _ username: String) async throws -> (TestBrowser, User) {
        let user = try await runtime.createUser(username: username, password: password)
        let browser = TestBrowser(latchkey)
        let login = try await browser.get("/login?return_to=%2Faccount")
        #expect(try await browser.login(login, username: username).status == .seeOther)
        return (browser, user)
    }

    /// The MCP client's token for `browser`'s user, as an MCP client gets it: a public client registered by DCR, the
    /// user's consent in the browser, the code redeemed with PKCE for the demo's resource.
    static func mcpToken(_ latchkey: any TestClientProtocol, _ browser: TestBrowser) async throws -> String {
        let registered = try await latchkey.register(#"{"redirect_uris":["\#(mcpRedirect)"],"client_name":"E2E MCP client","grant_types":["authorization_code"]}"#).json
        let clientID = try #require(registered["client_id"] as? String)
        let consent = try await browser.get(
            "/authorize?response_type=code&client_id=\(clientID)&redirect_uri=\(AuthorizationResponse.percentEncode(mcpRedirect))"
                + "&code_challenge=\(PKCEChallenge.s256(verifier))&code_challenge_method=S256&state=s&scope=mcp%3Atools"
                + "&resource=\(AuthorizationResponse.percentEncode(resource))"
        )
        #expect(consent.status == .ok, "\(consent.text)")
        let approved = try await browser.decide(consent, "approve")
        let code = try #require(approved.redirectParameters["code"], "\(approved.status) \(approved.location ?? "")")
        let token = try await OAuthTest.post(
            latchkey, "/token",
            "grant_type=authorization_code&code=\(code)&redirect_uri=\(AuthorizationResponse.percentEncode(mcpRedirect))"
                + "&code_verifier=\(verifier)&client_id=\(clientID)&resource=\(AuthorizationResponse.percentEncode(resource))"
        )
        return try #require(token.json["access_token"] as? String, "\(token.text)")
    }

    /// Where the fake's `/authorize` sends the browser (it approves by itself in `.approve` mode).
    static func upstreamRedirect(_ http: HTTPClient, _ url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return try #require(response.headers.first(name: "location"), "the fake's /authorize answered \(response.status)")
    }

    static func local(_ url: String) -> String {
        url.hasPrefix(issuer) ? String(url.dropFirst(issuer.count)) : url
    }

    /// The `action` of the page's (first) form.
    static func formAction(_ page: String) -> String? {
        guard let start = page.range(of: #"action=""#)?.upperBound, let end = page[start...].firstIndex(of: "\"") else { return nil }
        return String(page[start..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func refreshes(_ fake: FakeUpstream) -> Int {
        fake.requests(to: "/token").filter { $0.body.contains("grant_type=refresh_token") }.count
    }

    static func text(_ result: (content: [Tool.Content], isError: Bool?)) -> String {
        result.content.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.joined(separator: "\n")
    }

    /// The Swift SDK's client on the live demo, sending `token`; URL-mode elicitation declared or not.
    static func client(_ port: Int, token: String, urlElicitation: Bool) async throws -> Client {
        let transport = HTTPClientTransport(
            endpoint: URL(string: "http://127.0.0.1:\(port)/mcp")!, streaming: false,
            requestModifier: { request in
                var request = request
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                return request
            }
        )
        let client = Client(
            name: "upstream-e2e", version: "1.0",
            capabilities: urlElicitation ? .init(elicitation: .init(form: .init(), url: .init())) : .init()
        )
        _ = try await client.connect(transport: transport)
        return client
    }

    /// Calls `upstream_profile` expecting a URL elicitation; returns its one URL.
    static func elicitedURL(_ client: Client) async throws -> String? {
        do {
            let result = try await client.callTool(name: "upstream_profile")
            Issue.record("expected a URL elicitation, got \(result.isError == true ? "a tool error" : "a result"): \(text(result))")
            return nil
        } catch MCPError.urlElicitationRequired(_, let elicitations) {
            #expect(elicitations.count == 1)
            #expect(elicitations.first?.mode == "url")
            return elicitations.first?.url
        }
    }

    @Test("not connected → -32042 to Latchkey's connect link (refused to another user) → connect → profile → upstream expiry refreshed once → disconnect → asked again; without URL mode, a tool error with the link")
    func journey() async throws {
        try await FakeUpstreamTests.withUpstream(FakeUpstream(redirectURIs: [Self.callback])) { fake, base, http in
            fake.mode = .init(decision: .approve)
            let clock = TestClock()
            let app = try Self.app(fake, clock: clock)
            defer { app.removeFiles() }
            try await app.test { latchkey, runtime in
                // The demo MCP server's confidential client, as `latchkey clients add` makes it.
                let added = try await runtime.addClient(
                    .object(["client_name": .string("Demo MCP"), "grant_types": .array([.string("client_credentials")]),
                             "token_endpoint_auth_method": .string("client_secret_basic")]),
                    clientID: "demo-mcp"
                )
                let exchange = RouterExchangeTransport(latchkey)
                let configuration = try DemoConfiguration(
                    issuer: Self.issuer, resource: Self.resource, port: 0, allowedHosts: ["127.0.0.1:*"],
                    upstreamExchange: .init(
                        tokenEndpoint: URL(string: Self.issuer + "/token")!, clientID: added.clientID,
                        clientSecret: try #require(added.clientSecret), provider: Self.provider, apiBaseURL: URL(string: base)!
                    )
                )
                let demoApp = try buildDemoApplication(
                    configuration: configuration, verifier: try VerifierTest.verifier(RouterKeySource(latchkey)),
                    logger: Logger(label: "demo-e2e") { _ in SwiftLogNoOpLogHandler() }, exchangeTransport: exchange
                )
                let (alice, aliceUser) = try await Self.signIn(latchkey, runtime, "alice")
                let token = try await Self.mcpToken(latchkey, alice)

                try await demoApp.test(.live) { demo in
                    let port = try #require(demo.port)
                    let client = try await Self.client(port, token: token, urlElicitation: true)

                    // (a) Not connected: URL elicitation pointing at Latchkey's connect page, bound to this user.
                    let link = try #require(try await Self.elicitedURL(client))
                    #expect(link.hasPrefix("\(Self.issuer)/connections/\(Self.provider)/connect?for="), "\(link)")
                    #expect(!link.contains(token))
                    #expect(fake.profileCalls == 0)

                    // (b) Another signed-in user opening it is refused (the elicitation phishing rule).
                    let (bob, _) = try await Self.signIn(latchkey, runtime, "bob")
                    #expect(try await bob.get(Self.local(link)).status == .forbidden)

                    // (c) Alice opens it: the confirmation page names the MCP server; she connects at the fake.
                    let page = try await alice.get(Self.local(link))
                    #expect(page.status == .ok && page.text.contains("Demo MCP"), "\(page.status)")
                    let action = try #require(Self.formAction(page.text))
                    let started = try await alice.post(action, [("csrf_token", try #require(TestBrowser.field("csrf_token", in: page.text)))])
                    #expect(started.status == .seeOther)
                    let back = try await Self.upstreamRedirect(http, try #require(started.location))
                    #expect(back.hasPrefix(Self.callback + "?"))
                    let done = try await alice.get(Self.local(back))
                    #expect(done.status == .seeOther, "\(done.text)")
                    #expect(try await runtime.upstreamCredentials.credential(userID: aliceUser.id, providerID: Self.provider)?.status == .connected)

                    // (d) The retried call returns the profile, the upstream token nowhere in the answer.
                    let profile = try await client.callTool(name: "upstream_profile")
                    #expect(profile.isError != true && Self.text(profile).contains("octocat"), "\(Self.text(profile))")
                    #expect(fake.profileCalls == 1 && Self.refreshes(fake) == 0)
                    let exchangesAfterConnect = exchange.posts

                    // (e) The upstream token expires: the API's 401 gets one forced exchange, Latchkey refreshes once.
                    // (Latchkey answers a forced refresh within 5 s of the connect or the last refresh with the stored
                    // token, so the test moves Latchkey's clock past that.)
                    clock.advance(10)
                    fake.expireAccessTokens()
                    let refreshed = try await client.callTool(name: "upstream_profile")
                    #expect(refreshed.isError != true && Self.text(refreshed).contains("octocat"), "\(Self.text(refreshed))")
                    #expect(Self.refreshes(fake) == 1)
                    #expect(exchange.posts == exchangesAfterConnect + 1)
                    // And it is cached again: no exchange, no refresh.
                    #expect(try await client.callTool(name: "upstream_profile").isError != true)
                    #expect(Self.refreshes(fake) == 1 && exchange.posts == exchangesAfterConnect + 1)

                    // (f) Alice disconnects on /connections; Latchkey revokes at the fake; the next call asks again.
                    let connections = try await alice.get("/connections")
                    let csrf = try #require(TestBrowser.field("csrf_token", in: connections.text))
                    let disconnected = try await alice.post("/connections/\(Self.provider)/disconnect", [("csrf_token", csrf)])
                    #expect(disconnected.status == .seeOther)
                    #expect(fake.revokedTokens.count == 1)
                    let again = try #require(try await Self.elicitedURL(client))
                    #expect(again.hasPrefix("\(Self.issuer)/connections/\(Self.provider)/connect?for="))
                    #expect(Self.refreshes(fake) == 1)
                    await client.disconnect()

                    // A client that did not declare URL-mode elicitation gets a tool error carrying the link.
                    let plain = try await Self.client(port, token: token, urlElicitation: false)
                    let fallback = try await plain.callTool(name: "upstream_profile")
                    #expect(fallback.isError == true)
                    #expect(Self.text(fallback).contains("\(Self.issuer)/connections/\(Self.provider)/connect?for="), "\(Self.text(fallback))")
                    await plain.disconnect()
                }
            }
        }
    }
}
