import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
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
}
