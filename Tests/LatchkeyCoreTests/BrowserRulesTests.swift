import Testing
@testable import LatchkeyCore

/// The browser-side rules of the code flow: what /authorize does next, how its redirects are built, sessions.
struct BrowserRulesTests {
    static func request(scopes: [String] = ["mcp:tools"], prompt: Set<AuthorizationRequest.Prompt> = []) -> AuthorizationRequest {
        AuthorizationRequest(
            clientID: "c", redirectURI: "http://127.0.0.1/cb", redirectURIProvided: true, state: nil, scopes: scopes, audience: ["https://r"],
            codeChallenge: "x", prompt: prompt
        )
    }

    static func consent(_ scopes: [String]) -> Consent {
        Consent(userID: "u", clientID: "c", audience: ["https://r"], scopes: scopes, createdAt: 0, updatedAt: 0)
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
        #expect(Self.consent(["a", "b"]).covers(["b"]))
        #expect(Self.consent(["a", "b"]).covers([]))
        #expect(!Self.consent(["a"]).covers(["a", "b"]))
        #expect(Consent.audienceKey(["https://b", "https://a"]) == Consent.audienceKey(["https://a", "https://b"]))
    }

    @Test("login returns only to this server's authorize request or account page", arguments: [
        ("/auth/authorize?client_id=x", "/auth/authorize?client_id=x"),
        ("/auth/account", "/auth/account"),
        ("https://evil.example/", "/auth/account"),
        ("//evil.example/auth/authorize?", "/auth/account"),
        ("/auth/authorize", "/auth/account"),
        ("/auth/authorize/../x", "/auth/account"),
        ("/auth/account?x", "/auth/account"),
        ("/auth/authorize?x\r\nSet-Cookie: a=b", "/auth/account"),
    ])
    func loginReturn(candidate: String, expected: String) {
        #expect(LoginReturn(authorizePath: "/auth/authorize", accountPath: "/auth/account").target(candidate) == expected)
    }

    @Test("no return_to goes to the account page")
    func loginReturnMissing() {
        #expect(LoginReturn(authorizePath: "/authorize", accountPath: "/account").target(nil) == "/account")
    }
}
