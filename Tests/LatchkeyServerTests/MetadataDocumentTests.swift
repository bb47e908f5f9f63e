import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// Client ID Metadata Documents end to end: a URL `client_id` at /authorize and /token, fetched through egress from
/// a local document server (`egress-allow-loopback`), cached in the store, refused with a reason for every bad
/// document, revalidated, served stale while its host fails, and bounded before anyone authenticates.
struct MetadataDocumentTests {
    static let settings = CodeGrantTests.settings.merging(["egress-allow-loopback": "true", "client-cache-ttl": "0"]) { $1 }

    static func document(_ url: String, name: String = "Docs Client", extra: String = "") -> String {
        #"{"client_id":"\#(url)","client_name":"\#(name)","redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"]\#(extra)}"#
    }

    static func authorize(_ url: String) -> String {
        BrowserFlowTests.authorizeURI(AuthorizationResponse.percentEncode(url))
    }

    static func withDocuments(
        _ settings: [String: String] = [:], clock: TestClock = TestClock(),
        _ body: @escaping @Sendable (DocumentServer, any TestClientProtocol, LatchkeyRuntime) async throws -> Void
    ) async throws {
        let server = DocumentServer()
        try await server.run {
            var app = TestApp(Self.settings.merging(settings) { $1 })
            app.clock = clock.unix
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                try await BrowserFlowTests.createUser(runtime, "alice")
                try await body(server, client, runtime)
            }
        }
    }

    @Test("a URL client id runs the whole flow without registering: fetched once, consent names its host, tokens, refresh, account")
    func codeFlow() async throws {
        try await Self.withDocuments { server, client, runtime in
            let url = server.url("/oauth/client.json")
            server.serve("/oauth/client.json", .init(headers: [("Content-Type", "application/json"), ("Cache-Control", "max-age=600")], body: Self.document(url)))
            let metadata = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).json
            #expect(metadata["client_id_metadata_document_supported"] as? Bool == true)

            let browser = TestBrowser(client)
            let consent = try await BrowserFlowTests.loginToConsent(browser, AuthorizationResponse.percentEncode(url))
            #expect(consent.status == .ok)
            let host = try #require(server.baseURL).dropFirst("http://".count)
            #expect(consent.text.contains(#"id="client-name">Docs Client<"#) && consent.text.contains(#"id="client-host">\#(host)<"#))
            #expect(consent.text.contains(#"id="client-url">Identified by \#(url)<"#))
            // Port-less loopback in the document, an ephemeral port in the request (Claude Code does this).
            #expect(consent.text.contains(#"id="redirect-host" class="host">127.0.0.1:33418<"#))
            #expect(consent.text.contains("loopback-warning") && consent.text.contains("unverified name"))
            let approved = try await browser.decide(consent, "approve")
            let code = try #require(approved.redirectParameters["code"])
            let token = try await CodeGrantTests.exchange(client, .init(clientID: AuthorizationResponse.percentEncode(url), code: code))
            #expect(token.status == .ok)
            #expect(OAuthTest.claims(try #require(token.json["access_token"] as? String))["client_id"] as? String == url)
            let refreshed = try await CodeGrantTests.refresh(
                client, .init(clientID: AuthorizationResponse.percentEncode(url), code: code), try #require(token.json["refresh_token"] as? String)
            )
            #expect(refreshed.status == .ok)
            // Remembered consent: the next authorization skips the page.
            #expect(try await browser.get(Self.authorize(url)).redirectParameters["code"] != nil)
            #expect(try await browser.get("/account").text.contains(url))

            // One fetch for all of that (the store's copy is fresh for 600 s); nothing in the registry.
            #expect(server.requests("/oauth/client.json").count == 1)
            #expect(try await runtime.clients.list(after: nil, limit: 100).allSatisfy { !$0.clientID.hasPrefix("http") })
            #expect(try await runtime.metadataDocuments.document(url: url)?.body == Self.document(url))
            // latchkey clients list shows it beside the registry's clients, and records its use beside its document.
            let listing = try await runtime.clientListings(after: nil, limit: 100).first { $0.clientID == url }
            #expect(listing?.kind == .metadataDocument && listing?.name == "Docs Client" && listing?.activeGrants == 1)
            // The token requests above recorded it (to the hour): once more within the hour writes nothing.
            #expect(try await runtime.metadataDocuments.document(url: url)?.lastUsedAt != nil)
            #expect(try await !runtime.clientRegistry.recordUse(clientID: url, now: runtime.clock.now(), granularity: 3600))
        }
    }

    /// A path, what it answers, and the reason the page must give.
    static let refusals: [(String, DocumentServer.Answer?, String)] = [
        ("/one-off.json", .init(body: #"{"client_id":"URL-","client_name":"x","redirect_uris":["http://127.0.0.1/callback"]}"#), "another client_id"),
        ("/no-redirects.json", .init(body: #"{"client_id":"URL","client_name":"x"}"#), "no redirect_uris"),
        ("/no-name.json", .init(body: #"{"client_id":"URL","redirect_uris":["http://127.0.0.1/callback"]}"#), "no client_name"),
        ("/secret.json", .init(body: #"{"client_id":"URL","client_name":"x","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"client_secret_basic"}"#), "only none"),
        ("/bad-redirect.json", .init(body: #"{"client_id":"URL","client_name":"x","redirect_uris":["http://evil.example/cb"]}"#), "loopback"),
        ("/html.json", .init(headers: [("Content-Type", "text/html")], body: "<html>Just a moment…</html>"), "text/html, not JSON"),
        ("/array.json", .init(body: "[]"), "not a JSON object"),
        ("/null.json", .init(body: "null"), "not a JSON object"),
        ("/moved.json", .init(status: 302, headers: [("Location", "https://elsewhere.example/c.json")], body: ""), "redirect"),
        ("/forbidden.json", .init(status: 403, headers: [], body: "no"), "answered 403"),
        ("/huge.json", .init(body: #"{"client_id":"URL","client_name":""# + String(repeating: "a", count: 6000) + #""}"#), "larger than"),
        ("/missing.json", nil, "answered 404"),
    ]

    @Test("every bad document is refused with its reason: a page at /authorize (never a redirect), invalid_client at /token",
          arguments: 0..<refusals.count)
    func refusal(index: Int) async throws {
        let (path, answer, reason) = Self.refusals[index]
        try await Self.withDocuments { server, client, runtime in
            let url = server.url(path)
            if var answer {
                answer.body = answer.body.replacingOccurrences(of: #""URL-""#, with: "\"\(url)x\"").replacingOccurrences(of: #""URL""#, with: "\"\(url)\"")
                server.serve(path, answer)
            }
            let page = try await client.execute(uri: Self.authorize(url), method: .get)
            #expect(page.status == .badRequest && page.headers[.location] == nil)
            #expect(page.text.contains(reason), "\(page.text)")
            let token = try await OAuthTest.post(
                client, "/token", "grant_type=authorization_code&code=x&code_verifier=\(CodeGrantTests.verifier)&client_id=\(AuthorizationResponse.percentEncode(url))"
            )
            #expect(token.status == .unauthorized && token.json["error"] as? String == "invalid_client")
            #expect(try await runtime.metadataDocuments.document(url: url) == nil)
        }
    }

    @Test("a redirect_uri the document does not list is refused on a page")
    func unlistedRedirect() async throws {
        try await Self.withDocuments { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: #"{"client_id":"\#(url)","client_name":"x","redirect_uris":["http://127.0.0.1/other"]}"#))
            let page = try await client.execute(uri: Self.authorize(url), method: .get)
            #expect(page.status == .badRequest && page.headers[.location] == nil)
        }
    }

    @Test("URL ids that break the rules are refused before any fetch", arguments: [
        "https://127.0.0.1/", "https://127.0.0.1", "https://127.0.0.1/a#b", "https://user@127.0.0.1/c.json",
        "https://127.0.0.1/a/../c.json", "https://127.0.0.1/a/%2e%2e/c.json", "ftp://127.0.0.1/c.json",
    ])
    func badURLs(url: String) async throws {
        try await Self.withDocuments(["egress-allow-loopback": "false"]) { server, client, _ in
            let page = try await client.execute(uri: Self.authorize(url), method: .get)
            #expect(page.status == .badRequest && page.headers[.location] == nil)
            #expect(server.requests("/c.json").isEmpty)
        }
    }

    @Test("without egress-allow-loopback, a document on a loopback or private address is never fetched")
    func privateAddresses() async throws {
        try await Self.withDocuments(["egress-allow-loopback": "false"]) { _, client, _ in
            for url in ["https://localhost:1/c.json", "https://10.1.2.3/c.json", "https://169.254.169.254/latest/c.json"] {
                let page = try await client.execute(uri: Self.authorize(url), method: .get)
                #expect(page.status == .badRequest && page.text.contains("refused to connect"), "\(url): \(page.text)")
            }
        }
    }

    @Test("cached per Cache-Control, revalidated with the ETag, used stale while the host fails, then refused; a changed document is read again")
    func caching() async throws {
        let clock = TestClock()
        try await Self.withDocuments(clock: clock) { server, client, runtime in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(headers: [("Content-Type", "application/json"), ("Cache-Control", "max-age=60"), ("ETag", #""v1""#)], body: Self.document(url)))
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            // max-age=60 is under the 300 s floor: still fresh at +200 (the test clock also runs with real time, and a
            // loaded CI machine can spend many seconds in this test, so the check stays well clear of the boundary).
            clock.advance(200)
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            #expect(server.requests("/c.json").count == 1)

            // Expired: a conditional request; 304 keeps the document for another period.
            server.serve("/c.json", .init(status: 304, headers: [("ETag", #""v1""#)], body: ""))
            clock.advance(101)
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            #expect(server.requests("/c.json").last?.ifNoneMatch == #""v1""#)

            // The host fails (a bot wall): the stored copy is used while it may be, then the client is refused.
            server.serve("/c.json", .init(status: 403, headers: [], body: "blocked"))
            clock.advance(301)
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            clock.advance(86_400)
            let refused = try await client.execute(uri: Self.authorize(url), method: .get)
            #expect(refused.status == .badRequest && refused.text.contains("answered 403"))

            // The host answers again with a changed document: the new name is what the user sees.
            server.serve("/c.json", .init(body: Self.document(url, name: "Renamed")))
            clock.advance(61)  // past the remembered failure
            let browser = TestBrowser(client)
            let consent = try await BrowserFlowTests.loginToConsent(browser, AuthorizationResponse.percentEncode(url))
            #expect(consent.text.contains(#"id="client-name">Renamed<"#))
            #expect(try await runtime.metadataDocuments.document(url: url)?.body.contains("Renamed") == true)
        }
    }

    @Test("cimd=false turns URL ids off; cimd-allowed-hosts refuses other hosts; cimd-trusted-hosts never covers another port")
    func operatorSettings() async throws {
        try await Self.withDocuments(["cimd": "false"]) { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: Self.document(url)))
            let metadata = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).json
            #expect(metadata["client_id_metadata_document_supported"] as? Bool == false)
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .badRequest)
            #expect(server.requests("/c.json").isEmpty)
        }
        try await Self.withDocuments(["cimd-allowed-hosts": "claude.ai"]) { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: Self.document(url)))
            let page = try await client.execute(uri: Self.authorize(url), method: .get)
            #expect(page.status == .badRequest && page.text.contains("127.0.0.1") && server.requests("/c.json").isEmpty)
        }
        try await Self.withDocuments(["cimd-trusted-hosts": "127.0.0.1"]) { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: Self.document(url)))
            // The host is trusted, but this document is served on another port than https's: not the same site.
            let consent = try await BrowserFlowTests.loginToConsent(TestBrowser(client), AuthorizationResponse.percentEncode(url))
            #expect(!consent.text.contains(">verified<") && consent.text.contains("unverified name"))
        }
    }

    @Test("before authentication, fetching is bounded: a failing URL is fetched once a minute, one host at most ten URLs a minute")
    func unauthenticatedCost() async throws {
        try await Self.withDocuments { server, client, _ in
            let broken = server.url("/broken.json")
            for _ in 0..<5 { _ = try await client.execute(uri: Self.authorize(broken), method: .get) }
            #expect(server.requests("/broken.json").count == 1)
            for index in 0..<12 { _ = try await client.execute(uri: Self.authorize(server.url("/spray-\(index).json")), method: .get) }
            let sprayed = (0..<12).map { server.requests("/spray-\($0).json").count }.reduce(0, +)
            // Ten per host per minute, one of which the broken URL used.
            #expect(sprayed == 9)
        }
    }

    @Test("spending a host's fetch budget never locks out a client already stored: its revalidation is not charged")
    func budgetLockOut() async throws {
        let clock = TestClock()
        try await Self.withDocuments(clock: clock) { server, client, _ in
            let url = server.url("/known.json")
            server.serve("/known.json", .init(body: Self.document(url)))
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            clock.advance(301)
            // An attacker spends the host's budget on URLs that do not exist...
            for index in 0..<12 { _ = try await client.execute(uri: Self.authorize(server.url("/spray-\(index).json")), method: .get) }
            // ...and the stored client is still revalidated (a second fetch) and served.
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            #expect(server.requests("/known.json").count == 2)
        }
    }

    @Test("a host that starts serving an invalid document gets its client refused every time, not served stale")
    func invalidAfterChange() async throws {
        let clock = TestClock()
        try await Self.withDocuments(clock: clock) { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: Self.document(url)))
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            server.serve("/c.json", .init(body: #"{"client_id":"https://other.example/c.json","client_name":"x","redirect_uris":["http://127.0.0.1/callback"]}"#))
            clock.advance(301)
            for _ in 0..<2 {
                let page = try await client.execute(uri: Self.authorize(url), method: .get)
                #expect(page.status == .badRequest && page.text.contains("another client_id"))
            }
        }
    }

    @Test("validators longer than a line are not stored; reasons quoting the document are printable")
    func hostileHeaders() async throws {
        try await Self.withDocuments { server, client, runtime in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(headers: [("Content-Type", "application/json"), ("ETag", String(repeating: "e", count: 4000))], body: Self.document(url)))
            #expect(try await client.execute(uri: Self.authorize(url), method: .get).status == .ok)
            #expect(try await runtime.metadataDocuments.document(url: url)?.etag == nil)
            let bad = server.url("/bad.json")
            server.serve("/bad.json", .init(body: #"{"client_id":"\#(bad)","client_name":"x","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"x\nFAKE LOG LINE"}"#))
            let page = try await client.execute(uri: Self.authorize(bad), method: .get)
            #expect(page.status == .badRequest && !page.text.contains("x\nFAKE"))
        }
    }

    @Test("a document that changes its redirect URIs ends the approvals given to it; a new name alone does not")
    func changedDocumentEndsConsent() async throws {
        let clock = TestClock()
        try await Self.withDocuments(clock: clock) { server, client, _ in
            let url = server.url("/c.json")
            server.serve("/c.json", .init(body: Self.document(url)))
            let browser = TestBrowser(client)
            let consent = try await BrowserFlowTests.loginToConsent(browser, AuthorizationResponse.percentEncode(url))
            #expect(try await browser.decide(consent, "approve").status == .seeOther)
            #expect(try await browser.get(Self.authorize(url)).redirectParameters["code"] != nil)

            server.serve("/c.json", .init(body: Self.document(url, name: "Renamed")))
            clock.advance(301)
            #expect(try await browser.get(Self.authorize(url)).redirectParameters["code"] != nil)

            server.serve("/c.json", .init(body: Self.document(url, name: "Renamed").replacingOccurrences(
                of: #"["http://127.0.0.1/callback"]"#, with: #"["http://127.0.0.1/callback","http://127.0.0.1/other"]"#
            )))
            clock.advance(301)
            let again = try await browser.get(Self.authorize(url))
            #expect(again.status == .ok && again.text.contains("Allow access?"))
        }
    }

    @Test("a machine client by document (SEP-1046): client_credentials with private_key_jwt, its keys in the document, no secret anywhere")
    func documentMachineClient() async throws {
        try await Self.withDocuments { server, client, runtime in
            let url = server.url("/machine.json")
            let key = ClientKeyFixture(.es256)
            server.serve("/machine.json", .init(body: #"{"client_id":"\#(url)","client_name":"Worker","redirect_uris":[],"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":\#(key.jwks),"scope":"mcp:tools"}"#))
            let assertion = key.sign(ClientKeyFixture.claims(clientID: url, audience: "http://127.0.0.1:8080", now: runtime.clock.now()))
            let token = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&resource=\(AuthorizationResponse.percentEncode(CodeGrantTests.resource))&" + PrivateKeyJWTTests.form(assertion, "").dropFirst())
            #expect(token.status == .ok, "\(token.text)")
            #expect(OAuthTest.claims(try #require(token.json["access_token"] as? String))["sub"] as? String == url)
            // Another key, or the same assertion again, is refused.
            let replayed = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&" + PrivateKeyJWTTests.form(assertion, "").dropFirst())
            #expect(replayed.status == .unauthorized)
            let foreign = ClientKeyFixture(.es256).sign(ClientKeyFixture.claims(clientID: url, audience: "http://127.0.0.1:8080", now: runtime.clock.now()))
            #expect(try await OAuthTest.post(client, "/token", "grant_type=client_credentials&" + PrivateKeyJWTTests.form(foreign, "").dropFirst()).status == .unauthorized)
        }
    }
}
