import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import LatchkeyCrypto

struct RegistrationTests {
    @Test("registers a public MCP client the way the Python SDK does (no auth method given)")
    func publicClient() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let response = try await client.register("""
                {"redirect_uris":["http://localhost:3030/callback"],"client_name":"MCP Inspector",
                 "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"scope":"mcp:tools"}
                """)
            #expect(response.status == .created)
            #expect(response.headers[.cacheControl] == "no-store")
            let body = response.json
            let clientID = try #require(body["client_id"] as? String)
            #expect(body["token_endpoint_auth_method"] as? String == "none")
            #expect(body["application_type"] as? String == "native")
            #expect(body["client_secret"] == nil)
            #expect(body["client_id_issued_at"] as? Int != nil)
            #expect(body["registration_client_uri"] as? String == "http://127.0.0.1:8080/register/\(clientID)")
            #expect(response.headers[.location] == body["registration_client_uri"] as? String)
            #expect(body["redirect_uris"] as? [String] == ["http://localhost:3030/callback"])
            #expect(body["scope"] as? String == "mcp:tools")
            let token = try #require(body["registration_access_token"] as? String)
            let stored = try #require(try await runtime.clients.client(id: clientID))
            #expect(stored.registrationTokenHash != token)
            #expect(stored.registrationTokenHash == runtime.hasher.hash(token))
        }
    }

    @Test("a confidential client gets a 256-bit secret once, stored only as an HMAC")
    func confidentialClient() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let response = try await client.register("""
                {"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"client_secret_basic",
                 "grant_types":["authorization_code","client_credentials"]}
                """)
            #expect(response.status == .created)
            let secret = try #require(response.json["client_secret"] as? String)
            #expect(secret.count >= 43)
            #expect(response.json["client_secret_expires_at"] as? Int == 0)
            #expect(response.json["application_type"] as? String == "web")
            let stored = try #require(try await runtime.clients.client(id: response.json["client_id"] as! String))
            #expect(stored.secretHash == runtime.hasher.hash(secret))
            #expect(stored.secretHash != secret)
        }
    }

    @Test("client_credentials-only clients need no redirect URI and default to client_secret_basic")
    func clientCredentialsOnly() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let response = try await client.register(#"{"grant_types":["client_credentials"],"client_name":"worker"}"#)
            #expect(response.status == .created)
            #expect(response.json["token_endpoint_auth_method"] as? String == "client_secret_basic")
            #expect(response.json["response_types"] as? [String] == [])
            #expect(response.json["client_secret"] is String)
        }
    }

    /// Invalid registrations: each must be a 400 with the RFC 7591 code and a description naming the field.
    static let invalid: [(body: String, error: String, mentions: String)] = [
        (#"{"redirect_uris":"http://127.0.0.1/cb"}"#, "invalid_client_metadata", "redirect_uris"),
        (#"{"redirect_uris":[42]}"#, "invalid_client_metadata", "redirect_uris"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":42}"#, "invalid_client_metadata", "client_name"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":["a"]}"#, "invalid_client_metadata", "client_name"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"contacts":"a@b.c"}"#, "invalid_client_metadata", "contacts"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"scope":"admin"}"#, "invalid_client_metadata", "scope"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"scope":{"a":1}}"#, "invalid_client_metadata", "scope"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"tos_uri":"http://example.com/tos"}"#, "invalid_client_metadata", "tos_uri"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"logo_uri":"javascript:alert(1)"}"#, "invalid_client_metadata", "logo_uri"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"private_key_jwt"}"#, "invalid_client_metadata", "token_endpoint_auth_method"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["implicit"]}"#, "invalid_client_metadata", "grant_types"),
        (#"{"token_endpoint_auth_method":"none","grant_types":["client_credentials"]}"#, "invalid_client_metadata", "client_credentials"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"response_types":["token"]}"#, "invalid_client_metadata", "response_types"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"application_type":"desktop"}"#, "invalid_client_metadata", "application_type"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"],"software_id":7}"#, "invalid_client_metadata", "software_id"),
        (#"{"client_name":"no redirects"}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":[]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["http://evil.example/cb"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["https://app.example/cb#frag"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["https://*.example.com/cb"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["https://user:pw@app.example/cb"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["javascript:alert(1)"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["data:text/html,hi"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["file:///etc/passwd"]}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"{"redirect_uris":["cursor://cb"],"application_type":"web"}"#, "invalid_redirect_uri", "redirect_uris"),
        (#"["not","an","object"]"#, "invalid_client_metadata", "object"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"]"#, "invalid_client_metadata", "JSON"),
        ("", "invalid_client_metadata", "JSON"),
    ]

    @Test("rejects invalid metadata with an error naming the field, and stores nothing", arguments: invalid)
    func rejectsInvalid(body: String, error: String, mentions: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let response = try await client.register(body)
            #expect(response.status == .badRequest)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.json["error"] as? String == error)
            #expect((response.json["error_description"] as? String)?.contains(mentions) == true, "\(response.text)")
            #expect(try await runtime.clients.list(after: nil, limit: 10).isEmpty)
            // The server keeps serving.
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).status == .created)
        }
    }

    @Test("rejects a wrong content type, invalid UTF-8 and oversized bodies cleanly")
    func rejectsBadBodies() async throws {
        let app = TestApp(["registration-max-body-bytes": "2048"])
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let form = try await client.execute(uri: "/register", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "a=b"))
            #expect(form.status == .unsupportedMediaType)
            #expect(form.json["error"] as? String != nil)
            let missing = try await client.execute(uri: "/register", method: .post, body: ByteBuffer(string: "{}"))
            #expect(missing.status == .unsupportedMediaType)

            var invalidUTF8 = ByteBuffer(string: #"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":""#)
            invalidUTF8.writeBytes([0xC3, 0x28, 0xFF])
            invalidUTF8.writeString(#""}"#)
            let utf8 = try await client.execute(uri: "/register", method: .post, headers: [.contentType: "application/json"], body: invalidUTF8)
            #expect(utf8.status == .badRequest)
            #expect((utf8.json["error_description"] as? String)?.contains("UTF-8") == true)

            let huge = #"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":""# + String(repeating: "a", count: 5000) + #""}"#
            let tooLarge = try await client.register(huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["error"] as? String != nil)
            #expect(try await runtime.clients.list(after: nil, limit: 10).isEmpty)
        }
    }

    @Test("an initial access token, when configured, is required and compared exactly")
    func initialAccessToken() async throws {
        let token = "initial-access-token-0123456789"
        let app = TestApp(["registration-initial-access-token": token])
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let body = #"{"redirect_uris":["http://127.0.0.1/cb"]}"#
            for presented in [nil, "wrong", token + "x", String(token.dropLast()), token.uppercased()] as [String?] {
                let headers: HTTPFields = presented.map { [.authorization: "Bearer \($0)"] } ?? [:]
                let response = try await client.register(body, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(response.json["error"] as? String == "invalid_token")
            }
            #expect(try await runtime.clients.list(after: nil, limit: 10).isEmpty)
            #expect(try await client.register(body, headers: [.authorization: "Bearer \(token)"]).status == .created)
        }
    }

    @Test("an operator allowlist limits https redirect hosts; loopback stays allowed")
    func redirectAllowlist() async throws {
        let app = TestApp(["registration-allowed-redirect-hosts": "app.example.com,.trusted.example"])
        defer { app.removeFiles() }
        try await app.test { client, _ in
            #expect(try await client.register(#"{"redirect_uris":["https://app.example.com/cb"]}"#).status == .created)
            #expect(try await client.register(#"{"redirect_uris":["https://x.trusted.example/cb"]}"#).status == .created)
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1:9999/cb"]}"#).status == .created)
            let denied = try await client.register(#"{"redirect_uris":["https://evil.example/cb"]}"#)
            #expect(denied.status == .badRequest)
            #expect(denied.json["error"] as? String == "invalid_redirect_uri")
        }
    }

    @Test("registrations are rate limited per address with Retry-After")
    func rateLimit() async throws {
        let app = TestApp(["registration-rate-limit": "2"])
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let body = #"{"redirect_uris":["http://127.0.0.1/cb"]}"#
            #expect(try await client.register(body).status == .created)
            #expect(try await client.register(body).status == .created)
            let limited = try await client.register(body)
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(limited.json["error"] as? String != nil)
        }
    }

    @Test("registrations survive a restart")
    func durable() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        let clientID = try await app.test { client, _ in
            try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"Durable"}"#).json["client_id"] as? String
        }
        let id = try #require(clientID)
        let name = try await app.test { _, runtime in try await runtime.clients.client(id: id)?.metadata.clientName }
        #expect(name == "Durable")
    }

    /// The adversarial test's body: 63 arrays nested 511 deep, 64 KB, ~20 s of decoder CPU before the nesting cap.
    static let deepBody: String = {
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        return #"{"redirect_uris":["http://127.0.0.1/cb"]"# + (0..<63).map { ",\"j\($0)\":" + deep }.joined() + "}"
    }()

    @Test("an over-deep body is refused by the nesting check, before any JSON parsing, and nothing is stored")
    func deepBodyRefused() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let response = try await client.register(Self.deepBody)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == "invalid_client_metadata")
            // This description comes only from the depth check, which runs before the decoder.
            #expect((response.json["error_description"] as? String)?.contains("more than 32 levels deep") == true)
            #expect(try await runtime.clients.list(after: nil, limit: 10).isEmpty)
            // Depth within the cap still parses (unknown members are ignored).
            let shallow = #"{"redirect_uris":["http://127.0.0.1/cb"],"x":"# + String(repeating: "[", count: 31) + String(repeating: "]", count: 31) + "}"
            #expect(try await client.register(shallow).status == .created)
        }
    }

    @Test("open registration refuses client_credentials; an initial access token or the explicit setting allows it")
    func machineClientsNeedTheOperator() async throws {
        let body = #"{"grant_types":["client_credentials"],"client_name":"worker"}"#
        let closed = TestApp(["registration-allow-client-credentials": "false"])
        defer { closed.removeFiles() }
        try await closed.test { client, runtime in
            let response = try await client.register(body)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == "invalid_client_metadata")
            #expect(try await runtime.clients.list(after: nil, limit: 10).isEmpty)
            // The operator's way: latchkey clients add.
            let added = try await runtime.addClient(.object(["client_name": .string("worker"), "grant_types": .array([.string("client_credentials")])]))
            let secret = try #require(added.clientSecret)
            let token = try await OAuthTest.post(client, "/token", "grant_type=client_credentials",
                                                         authorization: OAuthTest.Client(id: added.clientID, secret: secret).basic)
            #expect(token.status == .ok)
            // A chosen id must be free and well-formed.
            await #expect(throws: OAuthError.self) {
                try await runtime.addClient(.object(["grant_types": .array([.string("client_credentials")])]), clientID: added.clientID)
            }
            for bad in ["has space", "0123456789abcdef0123456789ABCDEF", String(repeating: "x", count: 129)] {
                await #expect(throws: OAuthError.self) {
                    try await runtime.addClient(.object(["grant_types": .array([.string("client_credentials")])]), clientID: bad)
                }
            }
            // Nor a user's id: that client's tokens would carry sub == client_id == the user's id.
            try await BrowserFlowTests.createUser(runtime, "mallory")
            await #expect(throws: OAuthError.self) {
                try await runtime.addClient(.object(["grant_types": .array([.string("client_credentials")])]), clientID: "id-mallory")
            }
        }
        let initial = "initial-access-token-0123456789"
        let protected = TestApp(["registration-allow-client-credentials": "false", "registration-initial-access-token": initial])
        defer { protected.removeFiles() }
        try await protected.test { client, _ in
            let response = try await client.register(body, headers: [.authorization: "Bearer \(initial)"])
            #expect(response.status == .created)
        }
    }

    @Test("private-use redirect schemes must be the app's own: mailto, chrome and urn are refused")
    func privateUseSchemes() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            for uri in ["mailto:security@example.com", "chrome://settings/cb", "urn:ietf:wg:oauth:2.0:oob"] {
                let response = try await client.register(#"{"redirect_uris":["\#(uri)"]}"#)
                #expect(response.status == .badRequest && response.json["error"] as? String == "invalid_redirect_uri", "\(uri)")
            }
            #expect(try await client.register(#"{"redirect_uris":["com.example.app:/oauth2redirect"]}"#).status == .created)
            #expect(try await client.register(#"{"redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/callback"]}"#).status == .created)
        }
    }
}
