import Foundation
import Testing
@testable import LatchkeyCore

/// The browser-side rules of the code flow: what /authorize does next, how its redirects are built, sessions.
struct BrowserRulesTests {
    static func request(
        scopes: [String] = ["mcp:tools"], prompt: Set<AuthorizationRequest.Prompt> = [], redirectURI: String = "http://127.0.0.1/cb",
        offline: Bool = false
    ) -> AuthorizationRequest {
        AuthorizationRequest(
            clientID: "c", redirectURI: redirectURI, redirectURIProvided: true, state: nil, scopes: scopes, audience: ["https://r"],
            codeChallenge: "x", prompt: prompt, offlineAccess: offline
        )
    }

    static func consent(_ scopes: [String], offline: Bool = false, targets: [String] = ["http://127.0.0.1"]) -> Consent {
        Consent(userID: "u", clientID: "c", audience: ["https://r"], scopes: scopes, offlineAccess: offline, redirectTargets: targets, createdAt: 0, updatedAt: 0)
    }

    @Test("login when no session; prompt=none turns each missing step into its error")
    func steps() {
        let remembered = Self.consent(["mcp:tools", "mcp:prompts"])
        #expect(AuthorizationStep.decide(Self.request(), hasSession: false, freshLogin: false, remembered: nil) == .login)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.none]), hasSession: false, freshLogin: false, remembered: nil)
            == .fail(OAuthError(.loginRequired, "The user is not logged in")))
        #expect(AuthorizationStep.decide(Self.request(), hasSession: true, freshLogin: false, remembered: nil) == .consent)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.none]), hasSession: true, freshLogin: false, remembered: nil)
            == .fail(OAuthError(.consentRequired, "The user has not approved this client")))
        #expect(AuthorizationStep.decide(Self.request(), hasSession: true, freshLogin: false, remembered: remembered) == .issueCode)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.none]), hasSession: true, freshLogin: false, remembered: remembered) == .issueCode)
        #expect(AuthorizationStep.decide(Self.request(scopes: ["mcp:resources"]), hasSession: true, freshLogin: false, remembered: remembered) == .consent)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.consent]), hasSession: true, freshLogin: false, remembered: remembered) == .consent)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.login]), hasSession: true, freshLogin: false, remembered: remembered) == .login)
        #expect(AuthorizationStep.decide(Self.request(prompt: [.login]), hasSession: true, freshLogin: true, remembered: remembered) == .issueCode)
    }

    @Test("responses keep the redirect URI's own query and encode every value")
    func responseLocation() {
        #expect(AuthorizationResponse.success(redirectURI: "https://a.example/cb", code: "c0de", state: "a b&c=d", issuer: "https://as.example")
            == "https://a.example/cb?code=c0de&state=a%20b%26c%3Dd&iss=https%3A%2F%2Fas.example")
        #expect(AuthorizationResponse.success(redirectURI: "https://a.example/cb?x=1", code: "c", state: nil, issuer: "i")
            == "https://a.example/cb?x=1&code=c&iss=i")
        #expect(AuthorizationResponse.error(OAuthError(.accessDenied, "no"), redirectURI: "myapp:/cb", state: "s", issuer: "i")
            == "myapp:/cb?error=access_denied&error_description=no&state=s&iss=i")
        #expect(AuthorizationResponse.percentEncode("é~") == "%C3%A9~")
    }

    @Test("prompt rewriting drops or adds login and leaves other parameters byte for byte")
    func promptRewrite() throws {
        #expect(try PromptRewrite.removingLogin("a=%41&prompt=login%20consent&b=") == "a=%41&b=&prompt=consent")
        #expect(try PromptRewrite.removingLogin("a=1&prompt=login") == "a=1")
        #expect(try PromptRewrite.addingLogin("a=1&prompt=none") == "a=1&prompt=login")
        #expect(try PromptRewrite.addingLogin("a=1") == "a=1&prompt=login")
        #expect(throws: OAuthError.self) { try PromptRewrite.removingLogin("prompt=%ZZ") }
    }

    @Test("a session ends when idle too long or at its absolute end, and is touched at most once a minute")
    func sessionPolicy() {
        let policy = SessionPolicy(idleLifetime: 100, absoluteLifetime: 1000)
        let session = BrowserSession(idHash: "h", userID: "u", authTime: 0, createdAt: 0, lastSeenAt: 500, expiresAt: 1000)
        #expect(policy.isActive(session, now: 599))
        #expect(!policy.isActive(session, now: 600))
        var busy = session
        busy.lastSeenAt = 990
        #expect(!policy.isActive(busy, now: 1000))
        #expect(!policy.needsTouch(session, now: 559))
        #expect(policy.needsTouch(session, now: 560))
    }

    @Test("consent covers the same or fewer scopes; its key ignores audience order")
    func consentRules() {
        #expect(Self.consent(["a", "b"]).covers(Self.request(scopes: ["b"])))
        #expect(Self.consent(["a", "b"]).covers(Self.request(scopes: [])))
        #expect(!Self.consent(["a"]).covers(Self.request(scopes: ["a", "b"])))
        #expect(Consent.audienceKey(["https://b", "https://a"]) == Consent.audienceKey(["https://a", "https://b"]))
    }

    @Test("consent covers refresh tokens only if they were approved, and only the redirect targets that were shown")
    func consentBinding() {
        let online = Self.consent(["a"])
        #expect(online.covers(Self.request(scopes: ["a"])))
        #expect(!online.covers(Self.request(scopes: ["a"], offline: true)), "offline access was not on the page")
        #expect(Self.consent(["a"], offline: true).covers(Self.request(scopes: ["a"], offline: false)))
        // A loopback port may change (RFC 8252 §7.3); the host may not.
        #expect(online.covers(Self.request(scopes: ["a"], redirectURI: "http://127.0.0.1:5555/cb")))
        #expect(!online.covers(Self.request(scopes: ["a"], redirectURI: "https://evil.example/steal")))
        #expect(!online.covers(Self.request(scopes: ["a"], redirectURI: "http://localhost/cb")))
        let merged = online.merged(with: Consent(approving: Self.request(scopes: ["b"], redirectURI: "https://app.example/cb", offline: true), userID: "u", now: 5))
        #expect(merged.scopes == ["a", "b"] && merged.offlineAccess && merged.redirectTargets == ["http://127.0.0.1", "https://app.example"])
        #expect(merged.updatedAt == 5)
    }

    @Test("a redirect target is what the consent page names", arguments: [
        ("https://App.Example:8443/cb?x=1", "https://app.example"),
        ("http://[::1]:5555/cb", "http://::1"),
        ("cursor://anysphere.cursor-retrieval/oauth/callback", "cursor://anysphere.cursor-retrieval"),
        ("com.example.app:/oauth2redirect", "com.example.app:"),
    ])
    func redirectTargets(uri: String, target: String) {
        #expect(Consent.redirectTarget(of: uri) == target)
    }

    @Test("login returns only to this server's authorize request, account, connections or connect page", arguments: [
        ("/auth/authorize?client_id=x", "/auth/authorize?client_id=x"),
        ("/auth/account", "/auth/account"),
        ("https://evil.example/", "/auth/account"),
        ("//evil.example/auth/authorize?", "/auth/account"),
        ("/auth/authorize", "/auth/account"),
        ("/auth/authorize/../x", "/auth/account"),
        ("/auth/account?x", "/auth/account"),
        ("/auth/authorize?x\r\nSet-Cookie: a=b", "/auth/account"),
        ("/auth/connections", "/auth/connections"),
        ("/auth/connections/github/connect", "/auth/connections/github/connect"),
        ("/auth/connections/../x/connect", "/auth/account"),
        ("/auth/connections/a/b/connect", "/auth/account"),
        ("/auth/connections//connect", "/auth/account"),
        ("/auth/connections/GitHub/connect", "/auth/account"),
        ("/auth/connections/github/connect?x=1", "/auth/account"),
        ("/auth/connections/github/connect?for=abc-_.def", "/auth/connections/github/connect?for=abc-_.def"),
        ("/auth/connections/github/connect?for=a%0Ab", "/auth/account"),
        ("/auth/connections/github/connect?for=a&x=1", "/auth/account"),
        ("/auth/connections/callback", "/auth/account"),
    ])
    func loginReturn(candidate: String, expected: String) {
        #expect(LoginReturn(authorizePath: "/auth/authorize", accountPath: "/auth/account", connectionsPath: "/auth/connections").target(candidate) == expected)
    }

    @Test("no return_to goes to the account page")
    func loginReturnMissing() {
        #expect(LoginReturn(authorizePath: "/authorize", accountPath: "/account", connectionsPath: "/connections").target(nil) == "/account")
    }

    @Test("a registration change ends approvals when it changes where codes go or what they yield, not otherwise")
    func approvalsEndedByUpdate() throws {
        let policy = ClientRegistrationPolicy(supportedScopes: ["mcp:tools"])
        func metadata(_ json: String) throws -> ClientMetadata {
            try policy.validate(try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
        }
        let old = try metadata(#"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"A","grant_types":["authorization_code"]}"#)
        #expect(!Consent.isEnded(by: old, becoming: try metadata(#"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"B"}"#)))
        #expect(Consent.isEnded(by: old, becoming: try metadata(#"{"redirect_uris":["https://evil.example/cb"],"client_name":"A"}"#)))
        #expect(Consent.isEnded(by: old, becoming: try metadata(#"{"redirect_uris":["http://127.0.0.1/cb","https://x.example/cb"]}"#)))
        #expect(Consent.isEnded(by: old, becoming: try metadata(#"{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["authorization_code","refresh_token"]}"#)))
    }
}
