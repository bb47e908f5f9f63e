import LatchkeyCore
import Testing

/// RFC 6749 §3.1.2, RFC 8252 §7 and OAuth 2.1 §2.3.1 rules for registered redirect URIs (DESIGN §7).
struct RedirectURIPolicyTests {
    let policy = RedirectURIPolicy()

    @Test("classifies https, loopback and private-use redirects", arguments: [
        ("https://app.example.com/callback", RedirectURIPolicy.Kind.https),
        ("https://app.example.com:8443/cb?tenant=a", .https),
        ("HTTPS://APP.EXAMPLE.COM/cb", .https),
        ("http://127.0.0.1/callback", .loopback),
        ("http://127.0.0.1:53682/callback", .loopback),
        ("http://[::1]:8080/callback", .loopback),
        ("http://localhost:3000/oauth/callback", .loopback),
        ("http://LocalHost:3000/cb", .loopback),
        ("HTTP://127.0.0.1/cb", .loopback),
        ("cursor://anysphere.cursor-retrieval/oauth/user-github/callback", .privateUse),
        ("com.example.app:/oauth2redirect", .privateUse),
        ("vscode://vscode.github-authentication/did-authenticate", .privateUse),
    ])
    func classifiesAcceptedURIs(uri: String, kind: RedirectURIPolicy.Kind) throws {
        #expect(try policy.classify(uri) == kind)
    }

    @Test("rejects unsafe or malformed redirect URIs", arguments: [
        // Fragments (RFC 6749 §3.1.2), including an empty one.
        "https://app.example.com/cb#section",
        "https://app.example.com/cb#",
        "http://127.0.0.1:3000/cb#x",
        // Wildcards: redirect URIs are matched exactly.
        "https://*.example.com/cb",
        "https://app.example.com/*",
        "http://localhost:*/cb",
        // User information.
        "https://user@app.example.com/cb",
        "https://user:pass@app.example.com/cb",
        "https://@app.example.com/cb",
        "http://127.0.0.1@evil.example/cb",
        "http://user:pass@localhost/cb",
        "cursor://user@anysphere.cursor-retrieval/cb",
        // Schemes that run or read locally in a browser, in any case.
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript://example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "FILE://localhost/etc/passwd",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        // Whitespace, control and non-ASCII characters.
        " https://app.example.com/cb",
        "https://app.example.com/cb ",
        "https://app.example.com/c b",
        "https://app.example.com/cb\t",
        "https://app.example.com/cb\n",
        "https://app.example.com/cb\r\n",
        "https://app.example.com/cb\u{0}",
        "https://app.example.com/cb\u{7F}",
        "https://exämple.com/cb",
        "https://app.example.com/callbäck",
        "https://app.example.com/cb\u{202E}",
        // http only on loopback.
        "http://app.example.com/cb",
        "http://127.0.0.1.evil.com/cb",
        "http://localhost.evil.com/cb",
        "http://evil.com/localhost",
        "http://127.0.0.2/cb",
        "http://0.0.0.0/cb",
        "http://[::2]/cb",
        "http://localhost./cb",
        // RFC 8252 §7.1: a private-use scheme is the app's own reversed domain, or an app's `name://`; registered
        // and browser schemes would hand the code to another program.
        "mailto:security@example.com",
        "mailto:x",
        "chrome://settings/callback",
        "chrome-extension://abcdef/cb",
        "urn:ietf:wg:oauth:2.0:oob",
        "tel:+15551234567",
        "myapp:callback",
        "com..example:/cb",
        // https needs a host; a URI needs a scheme.
        "https:///cb",
        "https:/cb",
        "https:cb",
        "/callback",
        "app.example.com/cb",
        "//app.example.com/cb",
    ])
    func rejectsUnsafeURIs(uri: String) {
        let error = #expect(throws: OAuthError.self) { try policy.classify(uri) }
        #expect(error?.code == .invalidRedirectURI)
        #expect(error?.description.contains("redirect_uris") == true)
    }

    /// Found by fuzz/FuzzURIPolicies: the host was taken after the first `://` anywhere in the string, so
    /// `http:evil.example://127.0.0.1/cb` — which has no authority, and which a browser sends to
    /// `http://evil.example//127.0.0.1/cb` — was a loopback redirect, shown as 127.0.0.1 on the consent page, and an
    /// `https:` one passed the host allowlist.
    @Test("a host counts only right after the scheme's own ://", arguments: [
        "http:evil.example://127.0.0.1/cb",
        "http:evil.example://localhost/cb",
        "https:evil.example://app.example.com/cb",
        "http:x:1://[::1]/cb",
    ])
    func authorityAfterTheScheme(uri: String) throws {
        #expect(URISyntax.hostAndPort(of: uri) == nil)
        #expect(throws: OAuthError.self) { try RedirectURIPolicy(allowedHosts: ["app.example.com"]).classify(uri) }
        #expect(throws: OAuthError.self) { try policy.classify(uri) }
        #expect(throws: OAuthError.self) { try ResourceIndicator(uri) }
        #expect(throws: ClientIDMetadataDocumentError.self) { try ClientIDMetadataDocument.validateURL(uri, allowLoopbackHTTP: true) }
        #expect(Consent.redirectTarget(of: uri) != "http://127.0.0.1")
        #expect(URISyntax.hostAndPort(of: "HTTP://127.0.0.1:8080/cb")?.host == "127.0.0.1")
        #expect(URISyntax.hostAndPort(of: "cursor.app-1+x://Host.Example/cb")?.host == "host.example")
        #expect(URISyntax.hostAndPort(of: "1http://127.0.0.1/cb") == nil)
    }

    @Test("rejects an empty redirect URI")
    func rejectsEmpty() {
        let error = #expect(throws: OAuthError.self) { try policy.classify("") }
        #expect(error?.code == .invalidRedirectURI)
        #expect(error?.description.contains("redirect_uris") == true)
    }

    @Test("bounds the length in bytes")
    func boundsLength() throws {
        let short = RedirectURIPolicy(maxLength: 40)
        let prefix = "https://app.example.com/"
        let atLimit = prefix + String(repeating: "a", count: 40 - prefix.utf8.count)
        #expect(try short.classify(atLimit) == .https)
        let error = #expect(throws: OAuthError.self) { try short.classify(atLimit + "a") }
        #expect(error?.code == .invalidRedirectURI)
    }

    @Test("the default limit rejects a 2001-byte URI")
    func defaultLimit() {
        let prefix = "https://app.example.com/"
        let uri = prefix + String(repeating: "a", count: 2001 - prefix.utf8.count)
        #expect(throws: OAuthError.self) { try policy.classify(uri) }
    }

    @Test("an error never echoes a huge value")
    func errorExcerptIsBounded() {
        let uri = "http://app.example.com/" + String(repeating: "a", count: 1500)
        let error = #expect(throws: OAuthError.self) { try policy.classify(uri) }
        #expect((error?.description.count ?? .max) < 300)
    }

    @Test("an exact allowlist entry admits only that host", arguments: [
        ("https://app.example.com/cb", true),
        ("https://APP.example.com/cb", true),
        ("https://other.example.com/cb", false),
        ("https://sub.app.example.com/cb", false),
        ("https://app.example.com.evil.com/cb", false),
        ("https://evilapp.example.com/cb", false),
    ])
    func exactAllowlist(uri: String, allowed: Bool) throws {
        let policy = RedirectURIPolicy(allowedHosts: ["App.Example.com"])
        if allowed {
            #expect(try policy.classify(uri) == .https)
        } else {
            let error = #expect(throws: OAuthError.self) { try policy.classify(uri) }
            #expect(error?.code == .invalidRedirectURI)
        }
    }

    @Test("a leading-dot allowlist entry admits the domain and its subdomains", arguments: [
        ("https://example.com/cb", true),
        ("https://app.example.com/cb", true),
        ("https://a.b.example.com/cb", true),
        ("https://evilexample.com/cb", false),
        ("https://example.com.evil.com/cb", false),
        ("https://example.org/cb", false),
    ])
    func subdomainAllowlist(uri: String, allowed: Bool) throws {
        let policy = RedirectURIPolicy(allowedHosts: [".example.com"])
        if allowed {
            #expect(try policy.classify(uri) == .https)
        } else {
            let error = #expect(throws: OAuthError.self) { try policy.classify(uri) }
            #expect(error?.code == .invalidRedirectURI)
        }
    }

    @Test(
        "the allowlist judges the host as registered, not its percent-decoding",
        arguments: [
            "https://evil.com%2f.app.example.com/cb",
            "https://evil.com%40.app.example.com/cb",
            "https://evil.com%23.app.example.com/cb",
            "https://evil.com%3f.app.example.com/cb",
        ]
    )
    func allowlistIgnoresPercentDecodedDelimiters(uri: String) {
        let policy = RedirectURIPolicy(allowedHosts: [".app.example.com"])
        let error = #expect(throws: OAuthError.self) { try policy.classify(uri) }
        #expect(error?.code == .invalidRedirectURI)
    }

    @Test("loopback and private-use redirects bypass the host allowlist", arguments: [
        ("http://127.0.0.1:9000/cb", RedirectURIPolicy.Kind.loopback),
        ("http://[::1]/cb", .loopback),
        ("http://localhost:1234/cb", .loopback),
        ("https://localhost:8443/cb", .https),
        ("cursor://anysphere.cursor-retrieval/cb", .privateUse),
    ])
    func loopbackAlwaysAllowed(uri: String, kind: RedirectURIPolicy.Kind) throws {
        let policy = RedirectURIPolicy(allowedHosts: ["app.example.com"])
        #expect(try policy.classify(uri) == kind)
    }

    @Test("isLoopback knows exactly the three RFC 8252 loopback names", arguments: [
        ("127.0.0.1", true), ("::1", true), ("localhost", true),
        ("127.0.0.2", false), ("localhost.", false), ("sub.localhost", false),
        ("0.0.0.0", false), ("::ffff:127.0.0.1", false), ("", false),
    ])
    func isLoopback(host: String, expected: Bool) {
        #expect(RedirectURIPolicy.isLoopback(host) == expected)
    }
}
