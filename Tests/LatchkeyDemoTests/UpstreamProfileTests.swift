import AsyncHTTPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyDemo
import LatchkeyResource
import LatchkeyServer
import LatchkeyTestSupport
import Logging
import MCP
import NIOCore
import Synchronization
import Testing

/// Latchkey's side of the token exchange, faked until the exchange grant is in this branch: it checks the request is
/// the contract, answers `connection_required` until `connect` ran, then hands out the access token of a real
/// connection to the fake upstream, refreshing it there when asked to force a refresh.
final class FakeVaultExchange: TokenExchangeTransport {
    static let connectURL = "http://127.0.0.1:8080/connections/demo-cloud/connect?for=opaque-id"
    static let basic = "Basic " + Data("demo-mcp:s%3Acret%2B".utf8).base64EncodedString()

    struct State {
        var access: String?
        var refresh: String?
        var requests: [[String: String]] = []
    }

    let upstreamBase: String
    let client: HTTPClient
    let state = Mutex(State())

    init(upstreamBase: String, client: HTTPClient) {
        self.upstreamBase = upstreamBase
        self.client = client
    }

    var requests: [[String: String]] { state.withLock { $0.requests } }

    /// Connects the user's Demo Cloud account: a code flow at the fake upstream, as Latchkey's vault runs it.
    func connect() async throws {
        let code = try await FakeUpstreamTests.code(client, upstreamBase)
        let tokens = try await FakeUpstreamTests.redeem(client, upstreamBase, code: code).json
        let access = tokens["access_token"] as? String, refresh = tokens["refresh_token"] as? String
        state.withLock { $0.access = access; $0.refresh = refresh }
    }

    func post(_ url: URL, headers: [String: String], body: Data) async throws -> TokenExchangeResponse {
        let form = Dictionary(String(decoding: body, as: UTF8.self).split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { first, _ in first })
        let (access, refresh) = state.withLock { state in
            state.requests.append(form)
            return (state.access, state.refresh)
        }
        guard url.absoluteString == "http://127.0.0.1:8080/token", headers["Authorization"] == Self.basic else {
            return TokenExchangeResponse(status: 401, body: Data(#"{"error":"invalid_client"}"#.utf8))
        }
        guard form["grant_type"] == UpstreamTokens.tokenExchangeGrant, form["audience"] == "demo-cloud", form["subject_token"] != nil else {
            return TokenExchangeResponse(status: 400, body: Data(#"{"error":"invalid_request"}"#.utf8))
        }
        guard var access, let refresh else {
            return TokenExchangeResponse(status: 400, body: Data(
                #"{"error":"connection_required","error_description":"Connect Demo Cloud first","error_uri":"\#(Self.connectURL)","provider":"demo-cloud","connection_status":"not_connected"}"#.utf8
            ))
        }
        if form["latchkey_force_refresh"] == "true" {
            let tokens = try await FakeUpstreamTests.refresh(client, upstreamBase, refresh).json
            access = try #require(tokens["access_token"] as? String)
            let rotated = tokens["refresh_token"] as? String
            state.withLock { $0.access = access; $0.refresh = rotated }
        }
        return TokenExchangeResponse(status: 200, headers: ["cache-control": "no-store"], body: Data(
            #"{"access_token":"\#(access)","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3540,"scope":"read:user"}"#.utf8
        ))
    }
}

/// `upstream_profile` over the demo's `/mcp`: the upstream token from the (faked) exchange, the profile from the fake
/// upstream's API, one forced refresh after a `401`, and URL elicitation or a tool error when the user must connect.
struct UpstreamProfileTests {
    static let initializeWithURLMode = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{"form":{},"url":{}}},"clientInfo":{"name":"t","version":"1"}}}"#
    static let initializeFormOnly = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}"#

    static func withExchangeDemo(
        _ body: @escaping @Sendable (any TestClientProtocol, LatchkeyRuntime, FakeUpstream, FakeVaultExchange) async throws -> Void
    ) async throws {
        let upstream = FakeUpstream(redirectURIs: [FakeUpstreamTests.redirectURI])
        upstream.mode.decision = .approve
        try await FakeUpstreamTests.withUpstream(upstream) { upstream, base, client in
            let exchange = FakeVaultExchange(upstreamBase: base, client: client)
            let app = TestApp(DemoServerTests.settings)
            defer { app.removeFiles() }
            try await app.test { latchkey, runtime in
                let verifier = try VerifierTest.verifier(RouterKeySource(latchkey))
                let settings = DemoConfiguration.UpstreamExchange(
                    tokenEndpoint: URL(string: "http://127.0.0.1:8080/token")!, clientID: "demo-mcp", clientSecret: "s:cret+",
                    provider: "demo-cloud", apiBaseURL: URL(string: base)!
                )
                let configuration = try DemoConfiguration(
                    issuer: "http://127.0.0.1:8080", resource: DemoServerTests.resource, port: 0, allowedHosts: ["localhost"], upstreamExchange: settings
                )
                let router = try buildDemoRouter(configuration: configuration, verifier: verifier, exchangeTransport: exchange, logger: .init(label: "demo-test"))
                try await Application(router: router).test(.router) { demo in try await body(demo, runtime, upstream, exchange) }
            }
        }
    }

    static func result(_ answer: TestResponse) -> [String: Any]? { answer.json["result"] as? [String: Any] }

    @Test("listed only when configured; not connected: URL elicitation (-32042) for a client with URL mode, a tool error with the link otherwise")
    func connectionRequired() async throws {
        try await Self.withExchangeDemo { demo, runtime, upstream, exchange in
            let token = try DemoServerTests.userToken(runtime, scope: "mcp:tools")
            let list = try await DemoServerTests.rpc(demo, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, token: token)
            let names = (Self.result(list)?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["whoami", "read_notes", "write_note", "upstream_profile"])

            // No initialize seen: the fallback.
            let plain = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect(Self.result(plain)?["isError"] as? Bool == true)
            #expect(plain.text.contains(FakeVaultExchange.connectURL))

            _ = try await DemoServerTests.rpc(demo, Self.initializeFormOnly, token: token)
            let formOnly = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect(Self.result(formOnly)?["isError"] as? Bool == true)

            _ = try await DemoServerTests.rpc(demo, Self.initializeWithURLMode, token: token)
            let elicit = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect(elicit.status == .ok)
            let error = try #require(elicit.json["error"] as? [String: Any])
            #expect(error["code"] as? Int == -32042)
            let elicitations = try #require((error["data"] as? [String: Any])?["elicitations"] as? [[String: Any]])
            #expect(elicitations.count == 1)
            #expect(elicitations.first?["mode"] as? String == "url")
            #expect(elicitations.first?["url"] as? String == FakeVaultExchange.connectURL)
            #expect((elicitations.first?["elicitationId"] as? String)?.isEmpty == false)

            // Another user of the same client has not declared anything.
            let other = try DemoServerTests.userToken(runtime, subject: "user-2", scope: "mcp:tools")
            #expect(Self.result(try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: other))?["isError"] as? Bool == true)

            // Every exchange presented the caller's own token as the subject token, never calling the upstream API.
            #expect(exchange.requests.allSatisfy { $0["subject_token"] == token || $0["subject_token"] == other })
            #expect(upstream.profileCalls == 0)
        }
    }

    @Test("connected: the profile from the upstream API, the upstream token never in the answer; a 401 gets one forced refresh")
    func profile() async throws {
        try await Self.withExchangeDemo { demo, runtime, upstream, exchange in
            try await exchange.connect()
            let token = try DemoServerTests.userToken(runtime, scope: "mcp:tools")
            let answer = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            let structured = try #require(Self.result(answer)?["structuredContent"] as? [String: Any])
            #expect(structured["login"] as? String == "octocat")
            #expect(structured["repos"] as? Int == 3)
            #expect(answer.text.contains("octocat"))
            let access = try #require(exchange.state.withLock { $0.access })
            #expect(!answer.text.contains(access))
            #expect(exchange.requests.map { $0["subject_token"] } == [token])

            // Cached: the next call asks Latchkey nothing.
            _ = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect(exchange.requests.count == 1)
            #expect(upstream.profileCalls == 2)

            // The upstream token dies early: 401, one forced exchange, a retry that succeeds.
            upstream.expireAccessTokens()
            let retried = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect((Self.result(retried)?["structuredContent"] as? [String: Any])?["login"] as? String == "octocat")
            #expect(exchange.requests.count == 2)
            #expect(exchange.requests.last?["latchkey_force_refresh"] == "true")
            #expect(upstream.profileCalls == 4)

            // Refreshed and still refused: an error, not a loop.
            upstream.mode.api = .status(401)
            let refused = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: token)
            #expect(Self.result(refused)?["isError"] as? Bool == true)
            #expect(exchange.requests.count == 3)
            #expect(upstream.profileCalls == 6)
        }
    }

    @Test("a machine token (no user) gets a tool error and no exchange")
    func machineToken() async throws {
        try await Self.withExchangeDemo { demo, runtime, _, exchange in
            // Latchkey's machine tokens carry the client as `sub` (RFC 9068 §2.2).
            let machine = try DemoServerTests.userToken(runtime, subject: "some-mcp-client", scope: "mcp:tools")
            let answer = try await DemoServerTests.rpc(demo, DemoServerTests.call("upstream_profile"), token: machine)
            #expect(Self.result(answer)?["isError"] as? Bool == true)
            #expect(answer.text.contains("acts for a user"))
            #expect(exchange.requests.isEmpty)
        }
    }

    @Test("the Swift MCP SDK as the client: URL mode declared, -32042 arrives as MCPError.urlElicitationRequired; after the connect, the retry succeeds")
    func swiftSDKClient() async throws {
        let upstream = FakeUpstream(redirectURIs: [FakeUpstreamTests.redirectURI])
        upstream.mode.decision = .approve
        try await FakeUpstreamTests.withUpstream(upstream) { upstream, base, http in
            let exchange = FakeVaultExchange(upstreamBase: base, client: http)
            let app = TestApp(DemoServerTests.settings)
            defer { app.removeFiles() }
            try await app.test { latchkey, runtime in
                let configuration = try DemoConfiguration(
                    issuer: "http://127.0.0.1:8080", resource: DemoServerTests.resource, port: 0, allowedHosts: ["127.0.0.1:*"],
                    upstreamExchange: .init(
                        tokenEndpoint: URL(string: "http://127.0.0.1:8080/token")!, clientID: "demo-mcp", clientSecret: "s:cret+",
                        provider: "demo-cloud", apiBaseURL: URL(string: base)!
                    )
                )
                let demoApp = try buildDemoApplication(
                    configuration: configuration, verifier: try VerifierTest.verifier(RouterKeySource(latchkey)),
                    logger: Logger(label: "demo-test") { _ in SwiftLogNoOpLogHandler() }, exchangeTransport: exchange
                )
                let token = try DemoServerTests.userToken(runtime, scope: "mcp:tools")
                try await demoApp.test(.live) { demo in
                    let transport = HTTPClientTransport(
                        endpoint: URL(string: "http://127.0.0.1:\(try #require(demo.port))/mcp")!, streaming: false,
                        requestModifier: { request in
                            var request = request
                            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                            return request
                        }
                    )
                    let client = Client(
                        name: "elicitation-test", version: "1.0",
                        capabilities: .init(elicitation: .init(form: .init(), url: .init()))
                    )
                    _ = try await client.connect(transport: transport)
                    do {
                        _ = try await client.callTool(name: "upstream_profile")
                        Issue.record("expected a URL elicitation")
                    } catch MCPError.urlElicitationRequired(_, let elicitations) {
                        #expect(elicitations.map(\.url) == [FakeVaultExchange.connectURL])
                        #expect(elicitations.first?.mode == "url")
                    }
                    try await exchange.connect()
                    let result = try await client.callTool(name: "upstream_profile")
                    #expect(result.isError != true)
                    #expect(result.content.contains { if case .text(let text, _, _) = $0 { text.contains("octocat") } else { false } })
                    #expect(upstream.profileCalls == 1)
                    await client.disconnect()
                }
            }
        }
    }
}
