import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// The browser half of the authorization code flow: login, consent, remembered approvals, errors on pages and
/// in redirects, CSRF, session handling.
struct BrowserFlowTests {
    static let username = TestBrowser.username
    static let password = TestBrowser.password
    static let verifier = CodeGrantTests.verifier
    static let redirect = "http://127.0.0.1:33418/callback"
    static let settings = CodeGrantTests.settings

    /// Registers a public client (name with markup, to check escaping) and creates the user.
    static func setup(_ client: any TestClientProtocol, _ runtime: LatchkeyRuntime, username: String = username) async throws -> String {
        let json = try await client.register(
            #"{"redirect_uris":["\#(redirect)"],"client_name":"Evil <script>x</script>","grant_types":["authorization_code","refresh_token"]}"#
        ).json
        try await createUser(runtime, username)
        return try #require(json["client_id"] as? String)
    }

    static func createUser(_ runtime: LatchkeyRuntime, _ name: String) async throws {
        let now = runtime.clock.now()
        try await runtime.users.create(User(
            id: "id-" + name, username: name, passwordHash: try await PasswordHasher(cost: 4).hash(password), disabled: false,
            createdAt: now, updatedAt: now
        ))
    }

    static func authorizeURI(_ clientID: String, _ extra: String = "", state: String = "st%20ate") -> String {
        "/authorize?response_type=code&client_id=\(clientID)&redirect_uri=\(AuthorizationResponse.percentEncode(redirect))"
            + "&code_challenge=\(PKCEChallenge.s256(verifier))&code_challenge_method=S256&state=\(state)\(extra)"
    }

    /// Logs in from the authorize page and returns the consent page.
    static func loginToConsent(_ browser: TestBrowser, _ clientID: String, _ extra: String = "") async throws -> TestResponse {
        let loginPage = try await browser.get(authorizeURI(clientID, extra))
        #expect(loginPage.status == .ok)
        let afterLogin = try await browser.login(loginPage)
        #expect(afterLogin.status == .seeOther)
        return try await browser.get(try #require(afterLogin.location))
    }

    @Test("login, consent, approve: a code that exchanges for a token; the page shows who asks, where the code goes, and for what")
    func approve() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let loginPage = try await browser.get(Self.authorizeURI(clientID))
            #expect(loginPage.text.contains("Evil &lt;script&gt;x&lt;/script&gt;"))
            #expect(!loginPage.text.contains("<script>"))
            let consent = try await browser.get(try #require(try await browser.login(loginPage).location))
            #expect(consent.status == .ok)
            let page = consent.text
            #expect(page.contains("Evil &lt;script&gt;x&lt;/script&gt;") && !page.contains("<script>"))
            #expect(page.contains("unverified name"))
            #expect(page.contains(#"id="redirect-host" class="host">127.0.0.1:33418<"#))
            #expect(page.contains("mcp:tools") && page.contains(ScopeDescriptions.describe("mcp:tools")))
            #expect(page.contains("Demo") && page.contains(CodeGrantTests.resource))
            #expect(page.contains(#"id="username">alice<"#))
            #expect(page.contains("prompt=login"))  // switch account
            // Browser hygiene on pages, and no CORS on /authorize.
            #expect(consent.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(consent.headers[.cacheControl] == "no-store")
            #expect(consent.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(consent.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(consent.headers[.accessControlAllowOrigin] == nil)

            let approved = try await browser.decide(consent, "approve")
            #expect(approved.status == .seeOther)
            let location = try #require(approved.location)
            #expect(location.hasPrefix(Self.redirect + "?code="))
            let parameters = approved.redirectParameters
            #expect(parameters["state"] == "st ate")
            #expect(parameters["iss"] == "http://127.0.0.1:8080")
            let code = try #require(parameters["code"])
            #expect(code.utf8.count >= 43)  // 256 bits

            let token = try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: code))
            #expect(token.status == .ok)
            let claims = OAuthTest.claims(try #require(token.json["access_token"] as? String))
            #expect(claims["sub"] as? String == "id-alice")
            #expect(claims["aud"] as? String == CodeGrantTests.resource)
            #expect(claims["auth_time"] is Int)
            #expect(token.json["refresh_token"] is String)
        }
    }

    @Test("a remembered approval skips the page for the same or fewer scopes, not for more, nor with prompt=consent")
    func rememberedConsent() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let consent = try await Self.loginToConsent(browser, clientID, "&scope=mcp:tools%20mcp:resources")
            #expect(try await browser.decide(consent, "approve").status == .seeOther)

            let same = try await browser.get(Self.authorizeURI(clientID, "&scope=mcp:tools%20mcp:resources"))
            #expect(same.status == .found)
            #expect(same.redirectParameters["code"] != nil)
            let fewer = try await browser.get(Self.authorizeURI(clientID, "&scope=mcp:tools"))
            #expect(fewer.redirectParameters["code"] != nil)
            let more = try await browser.get(Self.authorizeURI(clientID, "&scope=mcp:tools%20mcp:prompts"))
            #expect(more.status == .ok && more.text.contains("Allow access?"))
            let forced = try await browser.get(Self.authorizeURI(clientID, "&scope=mcp:tools&prompt=consent"))
            #expect(forced.status == .ok && forced.text.contains("Allow access?"))
            // Another resource is another approval.
            let other = try await browser.get(Self.authorizeURI(clientID, "&scope=mcp:tools&resource=https%3A%2F%2Fother.example.com"))
            #expect(other.status == .ok && other.text.contains("Allow access?"))
        }
    }

    @Test("Deny sends access_denied with state and iss, and remembers nothing")
    func deny() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let denied = try await browser.decide(try await Self.loginToConsent(browser, clientID), "deny")
            #expect(denied.status == .seeOther)
            #expect(denied.location?.hasPrefix(Self.redirect + "?") == true)
            #expect(denied.redirectParameters["error"] == "access_denied")
            #expect(denied.redirectParameters["state"] == "st ate")
            #expect(denied.redirectParameters["iss"] == "http://127.0.0.1:8080")
            #expect(denied.redirectParameters["code"] == nil)
            #expect(try await runtime.consents.list(userID: "id-alice").isEmpty)
        }
    }

    static let pageErrors: [String] = [
        "client_id=unknown",
        "",
        "redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2Fother",
        "redirect_uri=http%3A%2F%2Flocalhost%3A33418%2Fcallback",
        "client_id=CLIENT&client_id=CLIENT",
        "redirect_uri=%ZZ",
    ]

    @Test("client and redirect errors are shown on a page and never redirected", arguments: pageErrors)
    func pageError(_ override: String) async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            var uri = "/authorize?response_type=code&code_challenge=\(PKCEChallenge.s256(Self.verifier))&code_challenge_method=S256&state=s"
            let names = override.split(separator: "&").map { $0.split(separator: "=")[0] }
            if !names.contains("client_id") { uri += "&client_id=\(clientID)" }
            if !override.isEmpty { uri += "&" + override.replacingOccurrences(of: "CLIENT", with: clientID) }
            if !names.contains("redirect_uri") { uri += "&redirect_uri=\(AuthorizationResponse.percentEncode("https://evil.example/cb"))" }
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .badRequest)
            #expect(response.location == nil)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.headers[.contentSecurityPolicy] != nil)
        }
    }

    static let redirectErrors: [(extra: String, error: String)] = [
        ("&code_challenge_method=plain", "invalid_request"),
        ("&no_challenge", "invalid_request"),
        ("&response_type=token", "unsupported_response_type"),
        ("&scope=admin", "invalid_scope"),
        ("&resource=https%3A%2F%2Funknown.example.com", "invalid_target"),
        ("&resource=https%3A%2F%2Fmcp.example.com%2Fmcp%23frag", "invalid_target"),
        ("&prompt=none%20login", "invalid_request"),
        ("&prompt=select_account", "invalid_request"),
        ("&prompt=none", "login_required"),
        ("&state=again", "invalid_request"),
        ("&scope=mcp:tools&scope=mcp:prompts", "invalid_request"),
    ]

    @Test("other errors redirect with error, error_description, state and iss", arguments: redirectErrors)
    func redirectError(extra: String, error: String) async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            var query = [
                "client_id": clientID, "redirect_uri": AuthorizationResponse.percentEncode(Self.redirect),
                "code_challenge": PKCEChallenge.s256(Self.verifier), "code_challenge_method": "S256", "response_type": "code",
            ]
            var pairs: [String] = []
            for pair in extra.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts[0] == "no_challenge" { query["code_challenge"] = nil; query["code_challenge_method"] = nil; continue }
                if parts[0] == "state" || (parts[0] == "scope" && extra.contains("&scope=mcp:tools&scope=")) { pairs.append(String(pair)); continue }
                query[String(parts[0])] = String(parts[1])
            }
            let uri = "/authorize?state=xyz&" + (query.map { "\($0.key)=\($0.value)" } + pairs).joined(separator: "&")
            let response = try await client.execute(uri: uri, method: .get)
            if error == "invalid_request", extra == "&state=again" {
                // A repeated parameter is caught before the redirect URI is trusted: a page.
                #expect(response.status == .badRequest)
                return
            }
            #expect(response.status == .found)
            #expect(response.location?.hasPrefix(Self.redirect + "?") == true)
            let parameters = response.redirectParameters
            #expect(parameters["error"] == error)
            #expect(parameters["error_description"] != nil)
            #expect(parameters["state"] == "xyz")
            #expect(parameters["iss"] == "http://127.0.0.1:8080")
        }
    }

    @Test("prompt=none: login_required without a session, consent_required without approval, a code with both")
    func promptNone() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            #expect(try await browser.get(Self.authorizeURI(clientID, "&prompt=none")).redirectParameters["error"] == "login_required")
            let consent = try await Self.loginToConsent(browser, clientID)
            #expect(try await browser.get(Self.authorizeURI(clientID, "&prompt=none")).redirectParameters["error"] == "consent_required")
            _ = try await browser.decide(consent, "approve")
            #expect(try await browser.get(Self.authorizeURI(clientID, "&prompt=none")).redirectParameters["code"] != nil)
        }
    }

    @Test("prompt=login asks for the password again even with a session, then continues without looping")
    func promptLogin() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            _ = try await browser.decide(try await Self.loginToConsent(browser, clientID), "approve")
            let forced = try await browser.get(Self.authorizeURI(clientID, "&prompt=login"))
            #expect(forced.status == .ok && forced.text.contains("Sign in"))
            let afterLogin = try await browser.login(forced)
            let location = try #require(afterLogin.location)
            #expect(!location.contains("prompt=login"))
            #expect(try await browser.get(location).redirectParameters["code"] != nil)
        }
    }

    @Test("with a session, only the session's token passes a form: the login cookie's token (which a client can choose) does not")
    func loginTokenIsNotASessionToken() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let consent = try await Self.loginToConsent(browser, clientID)
            let request = try #require(TestBrowser.field("request", in: consent.text))
            let binding = try #require(TestBrowser.field("request_binding", in: consent.text))
            // The sign-in page hands out the token derived from this browser's login cookie.
            let loginToken = try #require(TestBrowser.field("csrf_token", in: try await browser.get("/login").text))
            #expect(loginToken != TestBrowser.field("csrf_token", in: consent.text))
            let decision = try await browser.post("/authorize/decision", [
                ("csrf_token", loginToken), ("request", request), ("request_binding", binding), ("decision", "approve"),
            ])
            #expect(decision.status == .forbidden)
            #expect(decision.location == nil)
            #expect(try await browser.post("/account/revoke", [("csrf_token", loginToken), ("client_id", clientID), ("audience", "x")]).status == .forbidden)
            #expect(try await browser.post("/logout", [("csrf_token", loginToken)]).status == .forbidden)
            #expect(try await runtime.consents.list(userID: "id-alice").isEmpty)
            // Still signed in: the account page shows, not the sign-in form.
            #expect(try await browser.get("/account").text.contains("Your approvals"))
        }
    }

    @Test("the consent and login forms refuse a missing or foreign CSRF token")
    func csrf() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let consent = try await Self.loginToConsent(browser, clientID)
            let request = try #require(TestBrowser.field("request", in: consent.text))
            for token in ["", "forged", String(repeating: "A", count: 43)] {
                let response = try await browser.post("/authorize/decision", [("csrf_token", token), ("request", request), ("decision", "approve")])
                #expect(response.status == .forbidden)
                #expect(response.location == nil)
            }
            #expect(try await runtime.consents.list(userID: "id-alice").isEmpty)

            // Login CSRF: a form token from another browser does not log this one in.
            let other = TestBrowser(client)
            let foreignPage = try await other.get(Self.authorizeURI(clientID))
            let victim = TestBrowser(client)
            _ = try await victim.get(Self.authorizeURI(clientID))
            let response = try await victim.login(foreignPage)
            #expect(response.status == .forbidden)
            #expect(victim.cookies["latchkey-session"] == nil)
        }
    }

    @Test("Allow approves only what the page showed: a request that resolves differently is shown again")
    func consentBinding() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let consent = try await Self.loginToConsent(browser, clientID, "&scope=mcp:tools")
            let text = consent.text
            let widened = try #require(TestBrowser.field("request", in: text)).replacingOccurrences(of: "scope=mcp:tools", with: "scope=mcp:tools%20mcp:prompts")
            let response = try await browser.post("/authorize/decision", [
                ("csrf_token", TestBrowser.field("csrf_token", in: text)!), ("request", widened),
                ("request_binding", TestBrowser.field("request_binding", in: text)!), ("decision", "approve"),
            ])
            #expect(response.status == .ok)
            #expect(response.location == nil)
            #expect(response.text.contains("Allow access?") && response.text.contains("mcp:prompts"))
            #expect(try await runtime.consents.list(userID: "id-alice").isEmpty)
            // Approving the page now shown works, for what it shows.
            let approved = try await browser.decide(response, "approve")
            #expect(approved.redirectParameters["code"] != nil)
            #expect(try await runtime.consents.list(userID: "id-alice").first?.scopes == ["mcp:tools", "mcp:prompts"])
        }
    }

    @Test("a request without redirect_uri (one registered) needs none at the token endpoint, and a wrong one still fails")
    func omittedRedirectURI() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let uri = "/authorize?response_type=code&client_id=\(clientID)&code_challenge=\(PKCEChallenge.s256(Self.verifier))&code_challenge_method=S256&state=s"
            let approved = try await browser.decide(try await browser.get(try #require(try await browser.login(try await browser.get(uri)).location)), "approve")
            #expect(approved.location?.hasPrefix(Self.redirect + "?code=") == true)
            let code = try #require(approved.redirectParameters["code"])
            let wrong = try await OAuthTest.post(client, "/token",
                "grant_type=authorization_code&code=\(code)&client_id=\(clientID)&code_verifier=\(Self.verifier)&redirect_uri=http%3A%2F%2F127.0.0.1%3A33418%2Fother")
            #expect(wrong.json["error"] as? String == "invalid_grant")
            let approvedAgain = try await browser.get(uri)
            let second = try #require(approvedAgain.redirectParameters["code"])
            let token = try await OAuthTest.post(client, "/token",
                "grant_type=authorization_code&code=\(second)&client_id=\(clientID)&code_verifier=\(Self.verifier)")
            #expect(token.status == .ok)
        }
    }

    @Test("the session id rotates at login, cookies are HttpOnly and SameSite=Lax, and logout ends the session")
    func sessionLifecycle() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            browser.cookies["latchkey-session"] = String(repeating: "a", count: 43)  // planted by an attacker
            let loginPage = try await browser.get(Self.authorizeURI(clientID))
            _ = try await browser.login(loginPage)
            let cookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("latchkey-session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let session = try #require(browser.cookies["latchkey-session"])
            #expect(session != String(repeating: "a", count: 43))
            #expect(try await runtime.sessions.session(idHash: runtime.hasher.hash(session)) != nil)

            let account = try await browser.get("/account")
            #expect(account.text.contains("Your approvals"))
            let csrf = try #require(TestBrowser.field("csrf_token", in: account.text))
            #expect(try await browser.post("/logout", [("csrf_token", "wrong")]).status == .forbidden)
            let out = try await browser.post("/logout", [("csrf_token", csrf)])
            #expect(out.status == .ok)
            #expect(try await runtime.sessions.session(idHash: runtime.hasher.hash(session)) == nil)
            // Replaying the old cookie gets the login page, not the account.
            browser.cookies["latchkey-session"] = session
            #expect(try await browser.get("/account").text.contains("Sign in"))
        }
    }

    @Test("a session past its idle or absolute lifetime no longer counts as signed in")
    func sessionExpiry() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            _ = try await Self.loginToConsent(browser, clientID)
            let hash = runtime.hasher.hash(try #require(browser.cookies["latchkey-session"]))
            #expect(try await browser.get("/account").text.contains("Your approvals"))
            // Idle: last seen longer ago than session-idle-lifetime (12 h).
            try await runtime.sessions.touch(idHash: hash, now: runtime.clock.now() - 13 * 3600)
            #expect(try await browser.get("/account").text.contains("Sign in"))

            // Absolute: recently active, but past its end.
            let value = String(repeating: "b", count: 43)
            let now = runtime.clock.now()
            try await runtime.sessions.create(BrowserSession(
                idHash: runtime.hasher.hash(value), userID: "id-alice", authTime: now - 100, createdAt: now - 100, lastSeenAt: now,
                expiresAt: now - 1
            ))
            browser.cookies["latchkey-session"] = value
            #expect(try await browser.get("/account").text.contains("Sign in"))
        }
    }

    @Test("failed logins from one address are limited across accounts")
    func addressThrottle() async throws {
        var settings = Self.settings
        settings["login-failures-per-address"] = "3"
        let app = TestApp(settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let page = try await browser.get(Self.authorizeURI(clientID))
            for name in ["x1", "x2", "x3"] {
                #expect(try await browser.login(page, username: name, password: "guess").status == .unauthorized)
            }
            let blocked = try await browser.login(page)
            #expect(blocked.status == .tooManyRequests)
            #expect(browser.cookies["latchkey-session"] == nil)
        }
    }

    @Test("on an https issuer the session cookie is Secure with the __Host- prefix")
    func secureCookies() async throws {
        var settings = Self.settings
        settings["issuer"] = "https://127.0.0.1:8443"
        let app = TestApp(settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let loginPage = try await browser.get(Self.authorizeURI(clientID))
            #expect(browser.lastSetCookies.first?.hasPrefix("__Host-latchkey-login=") == true)
            _ = try await browser.login(loginPage)
            let cookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("__Host-latchkey-session=") })
            #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/") && !cookie.contains("Domain"))
        }
    }

    @Test("wrong passwords, unknown and disabled users all get the same answer; repeated failures lock the account for a while")
    func failedLogins() async throws {
        var settings = Self.settings
        settings["login-failures-per-account"] = "3"
        let app = TestApp(settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            try await Self.createUser(runtime, "bob")
            _ = try await runtime.users.setDisabled(username: "bob", true, now: runtime.clock.now())
            let browser = TestBrowser(client)
            let page = try await browser.get(Self.authorizeURI(clientID))
            for (user, password) in [("alice", "wrong password"), ("nobody", Self.password), ("bob", Self.password)] {
                let response = try await browser.login(page, username: user, password: password)
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("Incorrect username or password."))
                #expect(browser.cookies["latchkey-session"] == nil)
            }
            _ = try await browser.login(page, password: "wrong again")
            _ = try await browser.login(page, password: "wrong again")
            let locked = try await browser.login(page)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
            #expect(browser.cookies["latchkey-session"] == nil)
            // Another account from the same address still works (per-account limit).
            try await Self.createUser(runtime, "carol")
            #expect(try await browser.login(page, username: "carol").status == .seeOther)
            // Names that are not valid usernames share one count: a junk suffix does not buy fresh guesses.
            for suffix in [" 1", "!2", " x", "#3"] {
                _ = try await browser.login(page, username: "carol" + suffix, password: "guess")
            }
            #expect(try await browser.login(page, username: "carol?4", password: "guess").status == .tooManyRequests)
            // A NUL never gets that far: the form is refused.
            #expect(try await browser.login(page, username: "carol\u{0}5", password: "guess").status == .badRequest)
        }
    }

    @Test("login never redirects off the server")
    func openRedirect() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let page = try await browser.get(Self.authorizeURI(clientID))
            for target in ["https://evil.example/", "//evil.example/authorize?", "/authorize/../x", "/account?x"] {
                let response = try await browser.post("/login", [
                    ("csrf_token", TestBrowser.field("csrf_token", in: page.text)!), ("return_to", target),
                    ("username", Self.username), ("password", Self.password),
                ])
                #expect(response.location == "/account")
            }
        }
    }

    @Test("revoking an approval on the account page forgets it and revokes the client's refresh tokens")
    func revokeApproval() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            let approved = try await browser.decide(try await Self.loginToConsent(browser, clientID), "approve")
            let token = try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: approved.redirectParameters["code"]!))
            let refreshToken = try #require(token.json["refresh_token"] as? String)

            let account = try await browser.get("/account")
            #expect(account.text.contains("Evil &lt;script&gt;") && account.text.contains(clientID))
            let revoked = try await browser.post("/account/revoke", [
                ("csrf_token", TestBrowser.field("csrf_token", in: account.text)!), ("client_id", clientID),
                ("audience", TestBrowser.field("audience", in: account.text)!),
            ])
            #expect(revoked.status == .seeOther)
            #expect(try await runtime.consents.list(userID: "id-alice").isEmpty)
            let refresh = try await CodeGrantTests.refresh(client, .init(clientID: clientID, code: ""), refreshToken)
            #expect(refresh.json["error"] as? String == "invalid_grant")
            #expect(try await browser.get(Self.authorizeURI(clientID)).text.contains("Allow access?"))
        }
    }

    @Test("a disabled user's session stops working")
    func disabledUserSession() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await Self.setup(client, runtime)
            let browser = TestBrowser(client)
            _ = try await Self.loginToConsent(browser, clientID)
            _ = try await runtime.users.setDisabled(username: "alice", true, now: runtime.clock.now())
            let page = try await browser.get(Self.authorizeURI(clientID))
            #expect(page.status == .ok && page.text.contains("Sign in"))
        }
    }

    @Test("a wrong method gets 405 with Allow, not 404")
    func methodNotAllowed() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let token = try await client.execute(uri: "/token", method: .get)
            #expect(token.status == .methodNotAllowed)
            #expect(token.headers[.allow] == "POST")
            #expect(token.json["error"] as? String == "invalid_request")
            let authorize = try await client.execute(uri: "/authorize", method: .post)
            #expect(authorize.status == .methodNotAllowed)
            #expect(authorize.headers[.allow] == "GET")
        }
    }

    @Test("pages load their stylesheet from the server, which the CSP allows")
    func stylesheet() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let css = try await client.execute(uri: "/assets/latchkey.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    /// A code-flow client registered with `body`; returns its id and registration access token.
    static func registerManaged(_ client: any TestClientProtocol, _ body: String) async throws -> RegistrationManagementTests.Registered {
        try await RegistrationManagementTests.register(client, body)
    }

    static func authorize(_ clientID: String, redirect: String, _ extra: String = "") -> String {
        "/authorize?response_type=code&client_id=\(clientID)&redirect_uri=\(AuthorizationResponse.percentEncode(redirect))"
            + "&code_challenge=\(PKCEChallenge.s256(verifier))&code_challenge_method=S256&state=s\(extra)"
    }

    @Test("an approval without refresh tokens does not cover the client once it adds the refresh grant")
    func consentBindsOfflineAccess() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            var registered = try await Self.registerManaged(client, #"{"redirect_uris":["\#(Self.redirect)"],"client_name":"Notes"}"#)
            try await Self.createUser(runtime, Self.username)
            let browser = TestBrowser(client)
            let login = try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect))
            let consent = try await browser.get(try #require(try await browser.login(login).location))
            #expect(!consent.text.contains("offline_access"))
            let approved = try await browser.decide(consent, "approve")
            #expect(approved.redirectParameters["code"] != nil)
            // Remembered: the same request gets a code at once.
            let pending = try #require(try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect, "&prompt=none")).redirectParameters["code"])

            let update = try await client.execute(
                uri: registered.path, method: .put, headers: [.authorization: "Bearer \(registered.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"client_id":"\#(registered.clientID)","redirect_uris":["\#(Self.redirect)"],"client_name":"Notes","grant_types":["authorization_code","refresh_token"]}"#)
            )
            #expect(update.status == .ok)
            registered = .init(clientID: registered.clientID, token: try #require(update.json["registration_access_token"] as? String))
            // A code issued before the change yields no refresh token: the user never approved one.
            let exchanged = try await CodeGrantTests.exchange(client, .init(clientID: registered.clientID, code: pending))
            #expect(exchanged.status == .ok && exchanged.json["access_token"] is String)
            #expect(exchanged.json["refresh_token"] == nil)
            let silent = try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect, "&prompt=none"))
            #expect(silent.redirectParameters["error"] == "consent_required")
            #expect(silent.redirectParameters["code"] == nil)
            let again = try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect))
            #expect(again.status == .ok && again.text.contains("offline_access"), "the consent page is shown again, with refresh tokens on it")
        }
    }

    @Test("an approval covers only the redirect target it showed; changing redirect_uris ends it")
    func consentBindsRedirectTarget() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let other = "https://app.example.com/callback"
            let registered = try await Self.registerManaged(client, #"{"redirect_uris":["\#(Self.redirect)","\#(other)"],"client_name":"Two"}"#)
            try await Self.createUser(runtime, Self.username)
            let browser = TestBrowser(client)
            let login = try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect))
            _ = try await browser.decide(try await browser.get(try #require(try await browser.login(login).location)), "approve")
            // Another port on the same loopback host is covered (RFC 8252 §7.3) ...
            let otherPort = "http://127.0.0.1:5555/callback"
            #expect(try await browser.get(Self.authorize(registered.clientID, redirect: otherPort, "&prompt=none")).redirectParameters["code"] != nil)
            // ... another registered host is not.
            let elsewhere = try await browser.get(Self.authorize(registered.clientID, redirect: other, "&prompt=none"))
            #expect(elsewhere.redirectParameters["error"] == "consent_required" && elsewhere.redirectParameters["code"] == nil)

            // The adversarial test's case: approve a loopback client, then point it at another host.
            let update = try await client.execute(
                uri: registered.path, method: .put, headers: [.authorization: "Bearer \(registered.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"client_id":"\#(registered.clientID)","redirect_uris":["https://evil.example/steal","\#(Self.redirect)"],"client_name":"Two"}"#)
            )
            #expect(update.status == .ok)
            let stolen = try await browser.get(Self.authorize(registered.clientID, redirect: "https://evil.example/steal", "&prompt=none"))
            #expect(stolen.redirectParameters["code"] == nil)
            #expect(stolen.redirectParameters["error"] == "consent_required")
            // The change ended the approval itself, for the old target too.
            let old = try await browser.get(Self.authorize(registered.clientID, redirect: Self.redirect, "&prompt=none"))
            #expect(old.redirectParameters["error"] == "consent_required")
        }
    }

    @Test("a redirect_uri with a fragment is refused on a page, never redirected, at /authorize; and at /token")
    func fragmentRedirect() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let registered = try await Self.registerManaged(client, #"{"redirect_uris":["http://127.0.0.1/callback"]}"#)
            try await Self.createUser(runtime, Self.username)
            let browser = TestBrowser(client)
            for sent in ["http://127.0.0.1:5555#/callback", "http://127.0.0.1:5555/callback#x"] {
                let page = try await browser.get(Self.authorize(registered.clientID, redirect: sent))
                #expect(page.status == .badRequest || page.status == .ok)
                #expect(page.location == nil, "never redirected: \(sent)")
                #expect(page.text.contains("redirect_uri is not registered"))
            }
            // At /token, a fragment is refused as a malformed request, before any comparison.
            let code = RandomToken.generate()
            let now = runtime.clock.now()
            try await runtime.codes.create(AuthorizationCodeRecord(
                codeHash: runtime.hasher.hash(code), clientID: registered.clientID, userID: "id-alice", redirectURI: "http://127.0.0.1:5555/callback",
                codeChallenge: PKCEChallenge.s256(Self.verifier), scopes: ["mcp:tools"], audience: [CodeGrantTests.resource],
                authTime: now, createdAt: now, expiresAt: now + 60
            ))
            let token = try await OAuthTest.post(client, "/token",
                "grant_type=authorization_code&code=\(code)&client_id=\(registered.clientID)&code_verifier=\(Self.verifier)&redirect_uri=\(AuthorizationResponse.percentEncode("http://127.0.0.1:5555/callback#x"))")
            #expect(token.status == .badRequest)
            #expect(token.json["error"] as? String == "invalid_request")
        }
    }
}
