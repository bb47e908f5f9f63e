import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyCrypto
@testable import LatchkeyDemo
@testable import LatchkeyResource
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import Logging
import MCP

/// The demo MCP server in-process, with tokens from an in-process Latchkey: the JSON-RPC surface, the step-up rule,
/// the transport's checks and the bad inputs.
struct DemoServerTests {
    static let resource = "https://mcp.example.com/mcp"
    static let settings = [
        "scopes": DemoConfiguration.scopes.joined(separator: " "),
        "resources": #"[{"uri":"https://mcp.example.com/mcp","name":"Demo","scopes":["mcp:tools","demo:write","offline_access"]}]"#,
    ]

    /// A machine client's token with `scope`, and the client's id.
    static func token(_ client: any TestClientProtocol, scope: String) async throws -> (token: String, clientID: String) {
        let worker = try await OAuthTest.registerWorker(client, scope: "mcp:tools demo:write")
        let response = try await OAuthTest.post(
            client, "/token", "grant_type=client_credentials&scope=\(AuthorizationResponse.percentEncode(scope))", authorization: worker.basic
        )
        return (try #require(response.json["access_token"] as? String), worker.id)
    }

    /// A user's token for the demo, signed by the in-process Latchkey as the code flow would issue it.
    static func userToken(_ runtime: LatchkeyRuntime, subject: String = "user-1", scope: String) throws -> String {
        let now = runtime.clock.now()
        return try AccessTokenCodec(signingKeys: runtime.signingKeys, issuer: runtime.configuration.issuer.url).sign(AccessTokenClaims(
            issuer: runtime.configuration.issuer.url, subject: subject, audience: [resource], clientID: "some-mcp-client", scope: scope,
            issuedAt: now, expiresAt: now + 300, tokenID: RandomToken.generate(bytes: 8)
        ))
    }

    /// Runs `body` with the demo's router over an in-process Latchkey.
    ///
    /// The router test client always sends `Host: localhost`; `allowedHosts` decides whether that is the demo's name.
    static func withDemo(
        allowedHosts: [String] = ["localhost"],
        _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol, LatchkeyRuntime) async throws -> Void
    ) async throws {
        let app = TestApp(settings)
        defer { app.removeFiles() }
        try await app.test { latchkey, runtime in
            let verifier = try VerifierTest.verifier(RouterKeySource(latchkey))
            let configuration = try DemoConfiguration(issuer: "http://127.0.0.1:8080", resource: resource, port: 0, allowedHosts: allowedHosts)
            let router = try buildDemoRouter(configuration: configuration, verifier: verifier, logger: .init(label: "demo-test"))
            try await Application(router: router).test(.router) { demo in try await body(latchkey, demo, runtime) }
        }
    }

    static func rpc(_ demo: any TestClientProtocol, _ body: String, token: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json", .accept: "application/json, text/event-stream"]
        headers.append(contentsOf: extra)
        return try await demo.execute(uri: "/mcp", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func call(_ tool: String, id: Int = 2, arguments: String = "{}") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
    }

    @Test("initialize, tools/list and whoami answer from the verified token")
    func toolsAnswer() async throws {
        try await Self.withDemo { latchkey, demo, runtime in
            let (token, clientID) = try await Self.token(latchkey, scope: "mcp:tools")
            let initialize = try await Self.rpc(demo, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#, token: token)
            #expect(initialize.status == .ok)
            #expect((initialize.json["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-06-18")
            #expect(try await Self.rpc(demo, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, token: token).status == .accepted)

            let list = try await Self.rpc(demo, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, token: token)
            let tools = ((list.json["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(tools == ["whoami", "read_notes", "write_note"])

            let who = try await Self.rpc(demo, Self.call("whoami"), token: token)
            let structured = try #require((who.json["result"] as? [String: Any])?["structuredContent"] as? [String: Any])
            #expect(structured["client_id"] as? String == clientID)
            #expect(structured["subject"] as? String == clientID)
            #expect(structured["scopes"] as? [String] == ["mcp:tools"])
            #expect(structured["audience"] as? [String] == [Self.resource])
            #expect(who.headers[.cacheControl] == "no-store")

            let plain = try await demo.execute(uri: "/whoami", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(plain.status == .ok && plain.json["client_id"] as? String == clientID)
            #expect(plain.headers[.cacheControl] == "no-store")
        }
    }

    @Test("step-up: write_note without demo:write is 403 insufficient_scope before it runs, also inside a batch")
    func stepUp() async throws {
        try await Self.withDemo { latchkey, demo, runtime in
            let narrow = try await Self.token(latchkey, scope: "mcp:tools").token
            let refused = try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"x"}"#), token: narrow)
            #expect(refused.status == .forbidden)
            let challenge = try #require(refused.headers[.wwwAuthenticate])
            #expect(challenge.contains(#"error="insufficient_scope""#))
            #expect(challenge.contains(#"scope="mcp:tools demo:write""#))
            #expect(challenge.contains(#"resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#))
            // A repeated key cannot make the check read one tool and the server run another.
            let smuggled = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_note","arguments":{"text":"smuggled"},"name":"whoami"}}"#
            let smuggledAnswer = try await Self.rpc(demo, smuggled, token: narrow)
            #expect(!smuggledAnswer.text.contains("Saved"))
            let repeatedMethod = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_note","arguments":{"text":"smuggled"}},"method":"tools/list"}"#
            _ = try await Self.rpc(demo, repeatedMethod, token: narrow)
            let notes = try await Self.rpc(demo, Self.call("read_notes"), token: narrow)
            #expect(notes.text.contains("You have no notes yet"))

            // A machine token with every scope still may not write: write_note acts for a user (DESIGN §8).
            let machine = try await Self.token(latchkey, scope: "mcp:tools demo:write").token
            let machineWrite = try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"machine"}"#), token: machine)
            #expect((machineWrite.json["result"] as? [String: Any])?["isError"] as? Bool == true)
            #expect(machineWrite.text.contains("acts for a user"))

            let wide = try Self.userToken(runtime, scope: "mcp:tools demo:write")
            let saved = try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"kept"}"#), token: wide)
            #expect(saved.status == .ok && saved.text.contains("Saved. You have 1 note."))
            #expect(try await Self.rpc(demo, Self.call("read_notes"), token: wide).text.contains("kept"))
            // Notes belong to the token's subject: the other client sees none.
            #expect(try await Self.rpc(demo, Self.call("read_notes"), token: narrow).text.contains("You have no notes yet"))
            let empty = try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"  "}"#), token: wide)
            #expect((empty.json["result"] as? [String: Any])?["isError"] as? Bool == true)
        }
    }

    @Test("bad input: no or bad token, unknown tool, not JSON, too big, wrong method, foreign Host or Origin")
    func badInput() async throws {
        try await Self.withDemo { latchkey, demo, runtime in
            let bare = try await demo.execute(uri: "/mcp", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.call("whoami")))
            #expect(bare.status == .unauthorized)
            #expect(bare.headers[.wwwAuthenticate] == #"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools""#)
            #expect(try await Self.rpc(demo, Self.call("whoami"), token: "x.y.z").status == .unauthorized)
            let token = try await Self.token(latchkey, scope: "mcp:tools").token

            let unknown = try await Self.rpc(demo, Self.call("rm_rf"), token: token)
            #expect((unknown.json["error"] as? [String: Any])?["code"] as? Int == -32602, "\(unknown.text)")
            let notJSON = try await Self.rpc(demo, "{not json", token: token)
            #expect(notJSON.status == .badRequest)
            #expect((notJSON.json["error"] as? [String: Any])?["code"] as? Int == -32700)
            let batch = try await Self.rpc(demo, "[\(Self.call("whoami"))]", token: token)
            #expect(batch.status == .badRequest && (batch.json["error"] as? [String: Any])?["code"] as? Int == -32600)
            // Would otherwise hold the request forever: the MCP server reads it as a response and never answers.
            let both = try await Self.rpc(demo, #"{"jsonrpc":"2.0","id":1,"method":"tools/list","result":{}}"#, token: token)
            #expect(both.status == .badRequest)
            let huge = try await Self.rpc(demo, Self.call("whoami", arguments: #"{"pad":"\#(String(repeating: "a", count: MCPEndpoint.maxBodyBytes))"}"#), token: token)
            #expect(huge.status == .contentTooLarge)
            let get = try await demo.execute(uri: "/mcp", method: .get, headers: [.authorization: "Bearer \(token)", .accept: "text/event-stream"])
            #expect(get.status == .methodNotAllowed)
            let foreignOrigin = try await Self.rpc(demo, Self.call("whoami"), token: token, headers: [.origin: "https://evil.example"])
            #expect(foreignOrigin.status == .forbidden)
            // The transport's checks come before step-up: a foreign page gets no challenge to act on.
            let foreignStepUp = try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"x"}"#), token: token, headers: [.origin: "https://evil.example"])
            #expect(foreignStepUp.status == .forbidden && foreignStepUp.headers[.wwwAuthenticate] == nil)
            let ownOrigin = try await Self.rpc(demo, Self.call("whoami"), token: token, headers: [.origin: "http://localhost"])
            #expect(ownOrigin.status == .ok)
        }
        // A Host that is not the demo's (DNS rebinding) is refused before anything runs.
        try await Self.withDemo(allowedHosts: ["mcp.example.com"]) { latchkey, demo, runtime in
            let token = try await Self.token(latchkey, scope: "mcp:tools").token
            #expect(try await Self.rpc(demo, Self.call("whoami"), token: token).status == .misdirectedRequest)
            #expect(try await Self.rpc(demo, Self.call("write_note", arguments: #"{"text":"x"}"#), token: token).status == .misdirectedRequest)
            // /whoami too (it skipped the check): a rebinding page must not read the token's claims.
            let whoami = try await demo.execute(uri: "/whoami", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(whoami.status == .misdirectedRequest)
            #expect(!whoami.text.contains("client_id"))
        }
    }

    @Test("an over-deep body is refused before the SDK parses it")
    func deepBody() async throws {
        try await Self.withDemo { latchkey, demo, _ in
            let token = try await Self.token(latchkey, scope: "mcp:tools").token
            let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
            let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":\#(deep)}}}"#
            let answer = try await Self.rpc(demo, body, token: token)
            #expect(answer.status == .badRequest)
            #expect((answer.json["error"] as? [String: Any])?["code"] as? Int == -32600)
            #expect(answer.text.contains("nests"))
            // 32 levels is fine.
            let shallow = String(repeating: "[", count: 28) + String(repeating: "]", count: 28)
            let ok = try await Self.rpc(demo, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":\#(shallow)}}}"#, token: token)
            #expect(ok.status == .ok)
        }
    }

    @Test("the step-up rule reads the tools/call name, and nothing else", arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_note"}}"#, ["mcp:tools", "demo:write"]),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}"#, ["mcp:tools"]),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"write_note"}}"#, []),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}}"#, []),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}"#, []),
    ] as [(String, [String])])
    func stepUpRule(body: String, scopes: [String]) throws {
        #expect(StepUp.requiredScopes(for: try JSONRPCBody(Data(body.utf8)).message) == scopes)
    }

    @Test("a body is one JSON-RPC object, re-encoded without repeated keys; other shapes are refused", arguments: [
        ("not json", JSONRPCBody.Problem.parse),
        ("", .parse),
        (#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]"#, .invalidRequest("the body must be one JSON-RPC message object")),
        ("7", .invalidRequest("the body must be one JSON-RPC message object")),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/list","result":{}}"#, .invalidRequest("a message is a request or a response, not both")),
        (#"{"jsonrpc":"2.0","id":true,"method":"tools/list"}"#, .invalidRequest("id must be a string or an integer")),
    ] as [(String, JSONRPCBody.Problem)])
    func bodyShapes(body: String, problem: JSONRPCBody.Problem) {
        #expect(throws: problem) { try JSONRPCBody(Data(body.utf8)) }
    }

    @Test("re-encoding keeps one value per key, the one the MCP server would have read")
    func canonicalBody() throws {
        let body = try JSONRPCBody(Data(#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"write_note","name":"whoami"}}"#.utf8))
        let reread = try #require(try JSONSerialization.jsonObject(with: body.bytes) as? [String: Any])
        let name = (reread["params"] as? [String: Any])?["name"] as? String
        #expect(name == body.message["params"]?.objectValue?["name"]?.stringValue)
        #expect(reread["id"] as? Int == body.message["id"]?.intValue)
        #expect(StepUp.requiredScopes(for: body.message) == DemoTools.requiredScopes(for: name ?? ""))
    }

    @Test("challenges drop characters a quoted-string cannot hold")
    func challengeQuoting() {
        let challenge = BearerChallenge(resourceMetadataURL: "https://x/.well-known/oauth-protected-resource", error: "invalid_token",
                                        errorDescription: "bad \"quote\" \\ and\nnewline é", scopes: ["a", "b"])
        #expect(challenge.headerValue == #"Bearer resource_metadata="https://x/.well-known/oauth-protected-resource", error="invalid_token", error_description="bad quote  andnewline ", scope="a b""#)
    }

    @Test("allowed hosts default to the resource's authority, plus the loopback names on loopback")
    func defaultHosts() throws {
        #expect(try DemoConfiguration(issuer: "https://a.example", resource: "https://mcp.example.com/mcp", port: 1).allowedHosts == ["mcp.example.com"])
        #expect(try DemoConfiguration(issuer: "http://127.0.0.1:8080", resource: "http://127.0.0.1:8081/mcp", port: 8081).allowedHosts
                == ["127.0.0.1:8081", "[::1]:8081", "localhost:8081"])
    }

    @Test("the notebook is bounded per user and in length")
    func notebookBounds() {
        let notebook = Notebook()
        for index in 0..<(Notebook.maxNotesPerUser + 5) { _ = notebook.add("note \(index)", for: "u") }
        #expect(notebook.notes(for: "u").count == Notebook.maxNotesPerUser)
        #expect(notebook.notes(for: "u").first == "note 5")
        _ = notebook.add(String(repeating: "x", count: Notebook.maxNoteLength * 2), for: "v")
        #expect(notebook.notes(for: "v").first?.count == Notebook.maxNoteLength)
    }
}

/// The tools check their scopes themselves too, whatever reached them.
struct DemoToolsTests {
    @Test("write_note without demo:write is an error result and stores nothing, even past StepUp")
    func toolChecksScopes() async throws {
        let tools = DemoTools(notebook: Notebook())
        let narrow = VerifiedToken(subject: "u", clientID: "c", scopes: ["mcp:tools"], audience: ["https://mcp.example.com/mcp"], issuer: "i", expiresAt: .max, tokenID: nil)
        let result = try await tools.call(.init(name: "write_note", arguments: ["text": "x"]), token: narrow)
        #expect(result.isError == true)
        #expect(tools.notebook.notes(for: "u").isEmpty)
        var wide = narrow
        wide.scopes.append("demo:write")
        #expect(try await tools.call(.init(name: "write_note", arguments: ["text": "x"]), token: wide).isError != true)
        #expect(tools.notebook.notes(for: "u") == ["x"])
    }
}
